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

# Connections are listed per iModel: one list per iModel found above. A connection's files come with it, in
# source_files (so the _source_file list resources are not used here).
list "itwin_sync_storage_connection" "storage" {
  provider         = itwin
  for_each         = toset([for m in list.itwin_imodel.imodels.data : m.identity.id])
  include_resource = true

  config {
    imodel_id = each.key
  }
}

list "itwin_sync_manifest_connection" "manifest" {
  provider         = itwin
  for_each         = toset([for m in list.itwin_imodel.imodels.data : m.identity.id])
  include_resource = true

  config {
    imodel_id = each.key
  }
}
