variable "imodel_id" {
  type        = string
  description = "iModel whose connections are listed."
}

data "itwin_sync_connections" "all" {
  imodel_id = var.imodel_id
}

# Names are not unique: a lookup by name may match several connections, so check before using one.
data "itwin_sync_connections" "plant_a" {
  imodel_id    = var.imodel_id
  display_name = "Plant A"

  lifecycle {
    postcondition {
      condition     = length(self.ids) == 1
      error_message = "Expected exactly one connection named \"Plant A\"."
    }
  }
}

output "plant_a_connection_id" {
  value = one(data.itwin_sync_connections.plant_a.ids)
}

output "storage_connection_count" {
  value = length([for c in data.itwin_sync_connections.all.connections : c if c.kind == "storage"])
}
