variable "connection_id" {
  type        = string
  description = "Manifest connection whose source_files registered dms-0001 and dms-0002."
}

variable "documents" {
  description = "Documents of the external system, with their current version and a pre-authenticated download URL."
  type = map(object({
    name    = string
    version = string
    url     = string
  }))
  sensitive = true
}

# URLs are write-only (never stored, Terraform 1.11 or later), so they cannot be compared between plans:
# key the triggers on the documents' versions to run again exactly when a document changes.
resource "itwin_sync_manifest_connection_run" "plant_docs" {
  connection_id = var.connection_id

  triggers = {
    versions = join(",", [for id, d in nonsensitive(var.documents) : "${id}@${d.version}"])
  }

  source_files = [
    {
      source_file_id = "dms-0001"
      name           = var.documents["dms-0001"].name
      url            = var.documents["dms-0001"].url
      connector_type = "MSTN"
      relative_path  = "Plant A/Design"
      document_attribute = {
        class_name = "PlantDocs:DocumentLink"
        properties = { Revision = "C", Status = "Issued" }
      }
      children = [
        {
          source_file_id = "dms-0002"
          name           = var.documents["dms-0002"].name
          url            = var.documents["dms-0002"].url
          connector_type = "MSTN"
        },
      ]
    },
  ]
}

output "tasks" {
  value = [for t in itwin_sync_manifest_connection_run.plant_docs.tasks : "${t.file_name}: ${t.result}"]
}
