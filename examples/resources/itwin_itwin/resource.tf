variable "account_id" {
  type        = string
  description = "The account iTwin the new project belongs to (optional: unset, the platform uses the account)."
  default     = null
}

# A project iTwin. Everything but class and sub_class is updated in place.
resource "itwin_itwin" "plant" {
  class        = "Endeavor"
  sub_class    = "Project"
  display_name = "Plant A"
  number       = "PLANT-A"
  type         = "Refinery"

  geographic_location = "Exton, PA"
  iana_time_zone      = "America/New_York"
  parent_id           = var.account_id

  # Destroying (or replacing) an iTwin deletes every iModel in it with its synchronized data.
  lifecycle {
    prevent_destroy = true
  }
}

output "itwin_id" {
  value = itwin_itwin.plant.id
}
