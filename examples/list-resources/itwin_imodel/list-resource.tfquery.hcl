# The iModels of an iTwin.
variable "itwin_id" {
  type        = string
  description = "The iTwin whose iModels are listed."
}

list "itwin_imodel" "all" {
  provider         = itwin
  include_resource = true

  config {
    itwin_id = var.itwin_id
  }
}
