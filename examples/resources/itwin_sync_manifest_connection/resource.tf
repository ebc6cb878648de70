variable "imodel_id" {
  type        = string
  description = "iModel that receives the synchronized data."
}

# A manifest connection registers documents of your own document system by their stable ids. Each run then posts
# the files with pre-authenticated download URLs (see itwin_sync_manifest_connection_run).
resource "itwin_sync_manifest_connection" "plant_a_docs" {
  imodel_id           = var.imodel_id
  display_name        = "Plant A documents"
  authentication_type = "Service"
  source_files        = ["dms-0001", "dms-0003"]
}

output "mapping_ids" {
  description = "Mapping id of each registered document, keyed by its external id."
  value       = itwin_sync_manifest_connection.plant_a_docs.source_file_ids
}
