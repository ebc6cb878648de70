variable "storage_file_id" {
  type        = string
  description = "A Storage file, for example itwin_storage_file.x.id."
}

# A short-lived, pre-authenticated download URL. It is minted on every run and never written to the plan or the
# state; pass it only to write-only arguments or to other ephemeral contexts (Terraform >= 1.10).
ephemeral "itwin_storage_file_url" "building" {
  file_id = var.storage_file_id
}

# Use it where Terraform accepts ephemeral values, for example the write-only `url` of a file in a manifest run:
# ephemeral.itwin_storage_file_url.building.url
