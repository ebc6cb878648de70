variable "folder_id" {
  type        = string
  description = "Storage folder that receives the files (for example itwin_storage_folder.x.id)."
}

# Upload a local file. Its SHA-256 is computed at plan time, so editing the file plans an in-place content update.
resource "itwin_storage_file" "building" {
  folder_id = var.folder_id
  source    = "${path.module}/files/building.ifc"
  # display_name defaults to the file's base name ("building.ifc"); connectors pick files by extension.
  description = "Architectural model exported from the design tool"
}

# Anything keyed on source_hash sees an edited file in the same plan, for example a synchronization run's
# triggers (the upload happens during the apply, after the plan, so size or modification time cannot tell).
resource "terraform_data" "content_version" {
  triggers_replace = {
    building = itwin_storage_file.building.source_hash
  }
}

output "building_size" {
  value = itwin_storage_file.building.size
}
