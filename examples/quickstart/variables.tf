variable "itwin_id" {
  type        = string
  description = "The iTwin that receives the iModel and the Storage folder (itwin-local prints one at start as ITWIN_ID)."
}

variable "imodel_name" {
  type        = string
  default     = "Riverside Pavilion"
  description = "Name of the iModel to create. iModel names are unique within an iTwin."
}

variable "folder_name" {
  type        = string
  default     = "Riverside Pavilion design files"
  description = "Name of the Storage folder created in the root of the iTwin's Storage."
}

variable "connection_name" {
  type        = string
  default     = "Riverside Pavilion"
  description = "Display name of the storage connection."
}

variable "files_dir" {
  type        = string
  default     = null
  description = "Directory holding building.ifc and site.geojson. Default: files/ next to this configuration."
}

variable "run_timeout" {
  type        = string
  default     = "60m"
  description = "How long an apply waits for the synchronization run to complete (a Go duration, e.g. \"90m\")."
}

variable "webhook_callback_url" {
  type        = string
  default     = null
  description = "Optional URL that receives a signed event when a run completes and one per pushed changeset (https://; itwin-local also delivers to http:// on loopback, e.g. its own inbox at <ITWIN_LOCAL_URL>/local/inbox/<name>). Unset: no webhook."
}
