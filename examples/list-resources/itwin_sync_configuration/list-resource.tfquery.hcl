# The synchronization configurations stored in an iTwin: the iTwin's own, its iModels' and their connections'.
variable "itwin_id" {
  type        = string
  description = "The iTwin whose configurations are listed."
}

list "itwin_sync_configuration" "all" {
  provider         = itwin
  include_resource = true

  config {
    itwin_id = var.itwin_id
  }
}
