# Every folder in an iTwin's Storage, at any depth. Each result's display name is the folder's path.
variable "itwin_id" {
  type        = string
  description = "The iTwin whose Storage is listed."
}

list "itwin_storage_folder" "all" {
  provider         = itwin
  include_resource = true

  config {
    itwin_id  = var.itwin_id
    recursive = true
  }
}

# Only the sub-folders of one folder.
list "itwin_storage_folder" "projects" {
  provider = itwin

  config {
    folder_id = "bkWl1XvIEUiSfLzSv6UdV2WZhZDy8kVOrqUqhX_IkcY"
  }
}
