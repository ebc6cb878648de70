# The manifest connections of one iModel.
variable "imodel_id" {
  type        = string
  description = "The iModel whose manifest connections are listed."
}

list "itwin_sync_manifest_connection" "plant" {
  provider         = itwin
  include_resource = true

  config {
    imodel_id = var.imodel_id
  }
}
