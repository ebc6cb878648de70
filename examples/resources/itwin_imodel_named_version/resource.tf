variable "imodel_id" {
  type        = string
  description = "iModel that receives the synchronized data."
}

variable "review_changeset_id" {
  type        = string
  description = "Id (40 hex digits) of the changeset the design review looked at."
}

variable "folder_id" {
  type        = string
  description = "Storage folder that holds the design files."
}

resource "itwin_storage_file" "building" {
  folder_id = var.folder_id
  source    = "${path.module}/files/building.ifc"
}

resource "itwin_sync_storage_connection" "plant" {
  imodel_id           = var.imodel_id
  display_name        = "Plant A"
  authentication_type = "Service"
  source_files = [
    { storage_file_id = itwin_storage_file.building.id, connector_type = "IFC" },
  ]
}

# A new version of building.ifc plans a new run.
resource "itwin_sync_storage_connection_run" "plant" {
  connection_id = itwin_sync_storage_connection.plant.id
  triggers = {
    building = itwin_storage_file.building.source_hash
  }
}

# Names the last changeset of each successful run. A new run plans a new named version (the name and changeset
# change); the previous one stays in the iModel, because named versions cannot be deleted.
resource "itwin_imodel_named_version" "after_sync" {
  imodel_id       = itwin_sync_storage_connection.plant.imodel_id
  name            = "Synchronized by run ${itwin_sync_storage_connection_run.plant.id}"
  description     = "building.ifc ${itwin_storage_file.building.source_hash}"
  changeset_index = try(itwin_sync_storage_connection_run.plant.changesets[length(itwin_sync_storage_connection_run.plant.changesets) - 1].index, null)
}

# A milestone on a chosen changeset, hidden from applications until it is released.
resource "itwin_imodel_named_version" "milestone" {
  imodel_id    = var.imodel_id
  name         = "Design review 1"
  changeset_id = var.review_changeset_id
  state        = "hidden"
}

output "named_version" {
  value = "${itwin_imodel_named_version.after_sync.name} on changeset ${itwin_imodel_named_version.after_sync.changeset_index}"
}
