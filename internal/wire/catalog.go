package wire

// The connector-type table (internal/wire/testdata/spec/api.md §7.1) and the configuration flags (internal/wire/testdata/spec/api.md §6.2). Both the provider (plan-time
// validation, docs) and itwin-local (request validation, connector selection) read these, so they live here once.

import (
	"path"
	"slices"
	"strings"
)

// ConnectorType describes one connector type and the file extensions it accepts.
type ConnectorType struct {
	Name        string
	Extensions  []string // lower case, without the dot
	Description string
	Legacy      bool // readable on existing objects; never accepted on create or update
}

// ConnectorTypes is internal/wire/testdata/spec/api.md §7.1, current types first.
var ConnectorTypes = []ConnectorType{
	{Name: "MSTN", Extensions: []string{"dgn", "dwg", "3dm", "3ds", "skp", "fbx", "obj", "dae", "hln", "igs", "jt", "xml", "sat", "stl", "stp", "x_t"}, Description: "MicroStation (DGN and many exchange formats)"},
	{Name: "CIVIL", Extensions: []string{"dgn"}, Description: "OpenRoads, OpenRail, OpenSite, OpenBridge Designer"},
	{Name: "OBD", Extensions: []string{"dgn"}, Description: "OpenBuildings Designer"},
	{Name: "PROSTRUCTURES", Extensions: []string{"dgn"}, Description: "ProStructures CONNECT (Update 6 and later)"},
	{Name: "AUTOPLANT", Extensions: []string{"dwg"}, Description: "AutoPLANT 10.01.00.67 and later"},
	{Name: "DWG", Extensions: []string{"dwg", "dxf"}, Description: "AutoCAD 2015–2025"},
	{Name: "CIVIL3D", Extensions: []string{"dwg"}, Description: "Civil 3D 2015–2025"},
	{Name: "REVIT", Extensions: []string{"rvt"}, Description: "Revit 2015–2024"},
	{Name: "IFC", Extensions: []string{"ifc"}, Description: "Industry Foundation Classes (STEP)"},
	{Name: "NWD", Extensions: []string{"nwd", "nwc"}, Description: "Navisworks 2013–2024"},
	{Name: "SPPID", Extensions: []string{"zip", "pid"}, Description: "Smart P&ID 2014 R1, 2019"},
	{Name: "SPXREVIEW", Extensions: []string{"vue"}, Description: "Intergraph Smart 3D Review"},
	{Name: "OPENTOWER", Extensions: []string{"otxml"}, Description: "OpenTower Designer"},
	{Name: "GEOSPATIAL", Extensions: []string{"shp", "kml", "geojson", "geodb"}, Description: "Shapefile, KML, GeoJSON, file geodatabase"},
	{Name: "AVEVAPID", Extensions: []string{"dwg"}, Description: "AVEVA P&ID (legacy)", Legacy: true},
	{Name: "AVEVADIAGRAMS", Extensions: []string{"vsd"}, Description: "AVEVA Diagrams (legacy)", Legacy: true},
	{Name: "SHELLEDWCSV", Extensions: []string{"csv"}, Description: "Shell EDW CSV (legacy)", Legacy: true},
	{Name: "INTELLIPID", Extensions: []string{"json"}, Description: "IntelliPID (legacy)", Legacy: true},
	{Name: "PSEXCEL", Extensions: []string{"xls", "xlsx"}, Description: "PSExcel (legacy)", Legacy: true},
	{Name: "NotSet", Description: "internal (legacy)", Legacy: true},
	{Name: "AFFINITYCHECKER", Description: "internal (legacy)", Legacy: true},
}

// CurrentConnectorTypeNames lists the connector types a client may send.
func CurrentConnectorTypeNames() []string {
	var names []string
	for _, c := range ConnectorTypes {
		if !c.Legacy {
			names = append(names, c.Name)
		}
	}
	return names
}

// LookupConnectorType finds a connector type by its exact name.
func LookupConnectorType(name string) (ConnectorType, bool) {
	for _, c := range ConnectorTypes {
		if c.Name == name {
			return c, true
		}
	}
	return ConnectorType{}, false
}

// FileExtension returns the lower-case extension of a file name without the dot ("" if none).
func FileExtension(fileName string) string {
	ext := path.Ext(strings.ReplaceAll(fileName, `\`, "/"))
	return strings.ToLower(strings.TrimPrefix(ext, "."))
}

// ConnectorAccepts reports whether the connector type handles a file of this name (matched case-insensitively
// on its extension, internal/wire/testdata/spec/api.md §7.1).
func ConnectorAccepts(connectorType, fileName string) bool {
	c, ok := LookupConnectorType(connectorType)
	if !ok {
		return false
	}
	return slices.Contains(c.Extensions, FileExtension(fileName))
}

// Configuration scopes (internal/wire/testdata/spec/api.md §6).
const (
	ScopeITwin      = "itwin"
	ScopeIModel     = "imodel"
	ScopeConnection = "connection"
)

// Flag types.
const (
	FlagBool = "boolean"
	FlagInt  = "integer"
)

// ConfigFlag is one known configuration flag.
type ConfigFlag struct {
	Name        string
	Scope       string
	Type        string
	Default     any // bool or int64
	Min, Max    int64
	Local       bool // name chosen by itwin-local; not sent to the public service
	Description string
}

// ConfigFlags is internal/wire/testdata/spec/api.md §6.2, in its order.
var ConfigFlags = []ConfigFlag{
	{Name: "uploadDgnRealityData", Scope: ScopeITwin, Type: FlagBool, Default: true, Description: "Upload reality data attached to CAD files (.3sm, .3mx, .pod, rasters) to the Reality Data service. Uses credits."},
	{Name: "convertDgnTerrainModels", Scope: ScopeITwin, Type: FlagBool, Default: false, Description: "Process terrain-model elements in DGN-based runs."},
	{Name: "squashIntermediateRevisions", Scope: ScopeITwin, Type: FlagBool, Default: false, Description: "Push one changeset for the physical and drawing elements of all files of a run."},
	{Name: "skipRvtReprojection", Scope: ScopeITwin, Type: FlagBool, Default: false, Description: "Ignore the .rvt geolocation and place the model at local iModel coordinates."},
	{Name: "convertDgnHyperModelingSections", Scope: ScopeITwin, Type: FlagBool, Default: true, Description: "Show 2D section graphics in the context of the 3D model."},
	{Name: "allowRevitIgnoreGcs", Scope: ScopeITwin, Type: FlagBool, Default: false, Description: "Revit coordinate-system handling."},
	{Name: "clampZExtent", Scope: ScopeIModel, Type: FlagBool, Default: false, Description: "Cap the project Z extent at 8849 m. Needs an XY project extent."},
	{Name: "overrideRvtReprojectionDistance", Scope: ScopeIModel, Type: FlagInt, Default: int64(0), Min: 0, Max: 1 << 31, Description: "Skip .rvt reprojection when the two coordinate systems are further apart than this distance, in metres."},
	{Name: "enableFileNamePolicy", Scope: ScopeIModel, Type: FlagBool, Default: false, Description: "Enforce the stored file-name policy. A file that does not match fails its job."},
	{Name: "ignoreIfcGlobalIds", Scope: ScopeIModel, Type: FlagBool, Default: false, Description: "Identify IFC elements by their STEP entity number instead of their GlobalId."},
	{Name: "reclassifyDgnElements", Scope: ScopeConnection, Type: FlagBool, Default: false, Description: "Let the connector change the base class of elements classified from the Generic schema. Reprocesses every Generic element."},
	{Name: "ignoreDgnAttachments", Scope: ScopeConnection, Type: FlagBool, Default: false, Description: "Skip reference attachments and synchronize only the master (.dgn/.dwg)."},
	{Name: "enableSheetsAndDrawings", Scope: ScopeConnection, Type: FlagBool, Default: false, Description: "Synchronize sheets and drawings."},
	{Name: "enableC3dGraphsIn2dModel", Scope: ScopeConnection, Type: FlagBool, Default: false, Description: "Put the Civil 3D connector's 2D elements in a graph model and keep 3D in the spatial model."},
	{Name: "enableSheetIndex", Scope: ScopeConnection, Type: FlagBool, Default: false, Description: "Process the workspace's sheet-index files."},
	{Name: "filterBySheetIndex", Scope: ScopeConnection, Type: FlagBool, Default: false, Description: "Process only the sheets listed in the sheet index."},
	{Name: "convertDwg3dAs2d", Scope: ScopeConnection, Type: FlagBool, Default: false, Local: true, Description: "Convert DWG 3D model space as a 2D model (itwin-local name; the public name is not confirmed)."},
	{Name: "revitLevelOfDetail", Scope: ScopeConnection, Type: FlagInt, Default: int64(1), Min: 1, Max: 3, Local: true, Description: "Level of detail for .rvt files: 1 Coarse, 2 Medium, 3 Fine (itwin-local name; the public name is not confirmed)."},
}

// LookupConfigFlag finds a flag by its exact wire name.
func LookupConfigFlag(name string) (ConfigFlag, bool) {
	for _, f := range ConfigFlags {
		if f.Name == name {
			return f, true
		}
	}
	return ConfigFlag{}, false
}

// ScopesResolving lists the scopes whose flags resolve at the given scope (internal/wire/testdata/spec/api.md §11n): an iTwin resolves iTwin
// flags; an iModel iTwin and iModel flags; a connection all three.
func ScopesResolving(scope string) []string {
	switch scope {
	case ScopeITwin:
		return []string{ScopeITwin}
	case ScopeIModel:
		return []string{ScopeITwin, ScopeIModel}
	case ScopeConnection:
		return []string{ScopeITwin, ScopeIModel, ScopeConnection}
	}
	return nil
}
