# Every webhook of the calling client (secrets are never listed).
data "itwin_webhooks" "all" {}

output "inactive_webhooks" {
  value = [for w in data.itwin_webhooks.all.webhooks : w.callback_url if !w.active]
}
