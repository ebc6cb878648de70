variable "connection_id" {
  type        = string
  description = "Storage or manifest connection to synchronize."
}

# "Synchronize now" (Terraform 1.14 or later): `terraform apply -invoke=action.itwin_sync_run.now`.
action "itwin_sync_run" "now" {
  config {
    connection_id   = var.connection_id
    allowed_results = ["Success", "PartialSuccess"]
    timeouts = {
      invoke = "90m"
    }
  }
}
