# The storage connections of one iModel.
variable "imodel_id" {
  type        = string
  description = "The iModel whose storage connections are listed."
}

list "itwin_sync_storage_connection" "plant" {
  provider         = itwin
  include_resource = true

  config {
    imodel_id = var.imodel_id
  }
}

# The storage connections of every iModel of an iTwin: one list per iModel found by the itwin_imodel list.
variable "itwin_id" {
  type        = string
  description = "The iTwin whose iModels' connections are listed."
}

list "itwin_imodel" "all" {
  provider = itwin

  config {
    itwin_id = var.itwin_id
  }
}

list "itwin_sync_storage_connection" "all" {
  provider         = itwin
  for_each         = toset([for m in list.itwin_imodel.all.data : m.identity.id])
  include_resource = true

  config {
    imodel_id = each.key
  }
}
