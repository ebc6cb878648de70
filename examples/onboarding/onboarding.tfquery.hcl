# What `terraform query` lists. Each list block finds one resource type; include_resource = true makes the
# results carry the full resource, which -generate-config-out turns into configuration. The default limit is
# 100 results per list block, so the blocks that can find more set a higher one.

list "itwin_imodel" "imodels" {
  provider         = itwin
  include_resource = true

  config {
    itwin_id = var.itwin_id
  }
}

list "itwin_storage_folder" "folders" {
  provider         = itwin
  include_resource = true
  limit            = 1000

  config {
    itwin_id  = var.itwin_id
    recursive = true
  }
}

list "itwin_storage_file" "files" {
  provider         = itwin
  include_resource = true
  limit            = 1000

  config {
    itwin_id  = var.itwin_id
    recursive = true
  }
}

list "itwin_sync_configuration" "configurations" {
  provider         = itwin
  include_resource = true
  limit            = 1000

  config {
    itwin_id = var.itwin_id
  }
}
