# Every current connector type with the file extensions it accepts.
data "itwin_sync_connector_types" "all" {}

# The connector types that can process a given file.
data "itwin_sync_connector_types" "for_dwg" {
  file_name = "plant-a-piping.dwg"
}

output "dwg_connectors" {
  value = data.itwin_sync_connector_types.for_dwg.names # ["MSTN", "AUTOPLANT", "DWG", "CIVIL3D"]
}

output "extensions_by_connector" {
  value = { for c in data.itwin_sync_connector_types.all.connector_types : c.name => c.extensions }
}
