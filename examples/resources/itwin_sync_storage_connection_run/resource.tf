variable "imodel_id" {
  type        = string
  description = "iModel that receives the synchronized data."
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

# One run per content version: editing building.ifc changes its source_hash at plan time, which changes the
# triggers and plans a new run in the same apply that uploads the file. A plan with no change starts no run.
resource "itwin_sync_storage_connection_run" "plant" {
  connection_id = itwin_sync_storage_connection.plant.id

  triggers = {
    building = itwin_storage_file.building.source_hash
  }

  # Also re-run when the files change outside Terraform (compared at every plan).
  rerun_on_source_change = true

  # The apply fails (and the resource is tainted, so the next apply re-runs) unless the result is allowed.
  allowed_results = ["Success"]

  timeouts = {
    create = "90m"
  }
}

output "run_result" {
  value = itwin_sync_storage_connection_run.plant.result
}

output "changesets_pushed" {
  value = [for cs in itwin_sync_storage_connection_run.plant.changesets : cs.index]
}
