variable "imodel_id" {
  type        = string
  description = "iModel that receives the synchronized data."
}

variable "folder_id" {
  type        = string
  description = "Storage folder that holds the design files."
}

resource "itwin_storage_file" "structure" {
  folder_id = var.folder_id
  source    = "${path.module}/files/plant-a-structure.dgn"
}

resource "itwin_storage_file" "architecture" {
  folder_id = var.folder_id
  source    = "${path.module}/files/plant-a-architecture.ifc"
}

# The connection's files are listed here and this list is authoritative: files added or removed outside Terraform
# show up in the next plan. Changing a file's connector_type keeps its mapping (and its source_file_ids entry).
resource "itwin_sync_storage_connection" "plant_a" {
  imodel_id           = var.imodel_id
  display_name        = "Plant A"
  authentication_type = "Service" # runs without a user's consent; "User" needs itwin_sync_authorization first

  source_files = [
    { storage_file_id = itwin_storage_file.structure.id, connector_type = "MSTN" },
    { storage_file_id = itwin_storage_file.architecture.id, connector_type = "IFC" },
  ]
}

output "mapping_ids" {
  description = "Mapping id of each file, keyed by storage file id."
  value       = itwin_sync_storage_connection.plant_a.source_file_ids
}
