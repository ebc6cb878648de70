# Every file in an iTwin's Storage, in all its folders. `terraform query` prints one line per file;
# `terraform query -generate-config-out=generated.tf` writes a resource block and an import block for each.
variable "itwin_id" {
  type        = string
  description = "The iTwin whose Storage is listed."
}

list "itwin_storage_file" "all" {
  provider         = itwin
  include_resource = true
  limit            = 1000 # the default is 100 results per list block

  config {
    itwin_id  = var.itwin_id
    recursive = true
  }
}

# Only the files directly in one folder.
list "itwin_storage_file" "drawings" {
  provider = itwin

  config {
    folder_id = "bkWl1XvIEUiSfLzSv6UdV2WZhZDy8kVOrqUqhX_IkcY"
  }
}
