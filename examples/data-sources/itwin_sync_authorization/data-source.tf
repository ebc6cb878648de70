# Runs of "User" connections need the provider's identity to have consented once. Check it before starting runs
# so the plan fails with the consent URL instead of a run failing with UserNotAuthenticated.
data "itwin_sync_authorization" "consent" {
  redirect_url = "https://example.com/itwin-consent-done"
}

resource "terraform_data" "require_consent" {
  lifecycle {
    precondition {
      condition     = data.itwin_sync_authorization.consent.is_user_authorized
      error_message = "Open ${data.itwin_sync_authorization.consent.authorization_url} to consent, then apply again."
    }
  }
}
