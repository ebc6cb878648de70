variable "itwin_id" {
  type        = string
  description = "The iTwin whose Storage holds the folders."
}

# A folder in the root of the iTwin's Storage.
resource "itwin_storage_folder" "plant" {
  itwin_id     = var.itwin_id
  display_name = "Plant A"
  description  = "Design files synchronized into the Plant A iModel"
}

# A sub-folder.
resource "itwin_storage_folder" "structural" {
  parent_folder_id = itwin_storage_folder.plant.id
  display_name     = "Structural"
}

output "structural_path" {
  value = itwin_storage_folder.structural.path
}
