package provider

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// connKind is what differs between the two connection kinds. The connection, source-file and run resources
// (resource_sync_connection.go, resource_sync_connection_source_file.go, resource_sync_connection_run.go) and the
// connection data sources are written once against it; the hooks below hold what only one kind does. The state
// attributes only one kind has live in the kind's model types (storageConnectionModel, …), next to their hooks.
type connKind struct {
	wire.Kind

	// The connection resource.
	connDescription          string
	sourceFilesAttribute     rschema.Attribute
	sourceFileIDsDescription string
	connAttributes           map[string]rschema.Attribute // what only this kind's connections show
	// filesOf reads a source_files value: the files whose Key is known (with their ConnectorType), and whether
	// everything in it is known.
	filesOf func(context.Context, types.Set) (files []itwin.SourceFile, known bool)
	// filesValue is the source_files value of the server's files.
	filesValue func(context.Context, []itwin.SourceFile) (types.Set, diag.Diagnostics)
	// checkFile warns at plan time about a file the plan adds or re-types (storage: the extension check).
	checkFile func(ctx context.Context, client *itwin.Client, diags *diag.Diagnostics, p path.Path, f itwin.SourceFile)
	// missingFiles names the files of a create the server rejected with FileNotFound (storage).
	missingFiles func(ctx context.Context, client *itwin.Client, files []itwin.SourceFile) []string
	// alreadyMapped words a create rejected with FileAlreadyMapped: summary and what happened.
	alreadyMappedSummary, alreadyMappedDetail string

	// The source-file resource.
	sourceFileDescription   string
	sourceFileIDDescription string
	keyAttr                 string // the attribute naming what is mapped
	keyNoun                 string // what the key is, for the identity: "Storage file id"
	// sourceFileImportFormat names the parts of the string import id. The second part is always the mapping id (a
	// value of source_file_ids); a manifest source file's source_file_id is the document id, so it is called id there.
	sourceFileImportFormat string
	sourceFileAttributes   map[string]rschema.Attribute

	// The run resource.
	runDescription    string
	runAttributes     func() map[string]rschema.Attribute
	runImportDefaults map[string]any // local settings an import sets besides wait and allowed_results
	// validateRun checks a run resource's configuration (manifest: the files).
	validateRun func(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics)
	// taskNames returns the file names of a run's tasks as the server knows them (storage); without it a run's
	// tasks are named from the configuration, if at all.
	taskNames func(ctx context.Context, client *itwin.Client, connID string) map[string]string
}

// kindOf returns the descriptor of a connection kind.
func kindOf(k wire.Kind) *connKind {
	if k == wire.KindManifest {
		return manifestKind
	}
	return storageKind
}

// names returns the task file names of runs on connection connID as the kind knows them from the server.
func (k *connKind) names(client *itwin.Client, connID string) namesFunc {
	return func(ctx context.Context) map[string]string {
		if k.taskNames == nil {
			return nil
		}
		return k.taskNames(ctx, client, connID)
	}
}

// typeName is the resource type name suffix: "_sync_storage_connection".
func (k *connKind) typeName() string { return "_sync_" + string(k.Kind) + "_connection" }

// title is the kind's noun for a diagnostic summary: "Storage connection".
func (k *connKind) title() string { return strings.ToUpper(k.Noun()[:1]) + k.Noun()[1:] }

var storageKind = &connKind{
	Kind: wire.KindStorage,
	connDescription: "A storage connection: links files in iTwin Storage to an iModel, each with a connector type. " +
		"`source_files` is authoritative: files added, removed or re-typed outside Terraform show up as a diff and are " +
		"put back on apply. Manage a connection's files either here or with `itwin_sync_storage_connection_source_file`, not both.",
	sourceFilesAttribute: rschema.SetNestedAttribute{
		Required: true,
		Description: "The Storage files the connection synchronizes (1 to 250), each with its connector type. A file may be " +
			"mapped only once per iModel, across all its connections. Changing a file's connector type keeps its mapping.",
		Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.SizeAtMost(250)},
		NestedObject: rschema.NestedAttributeObject{
			Attributes: map[string]rschema.Attribute{
				"storage_file_id": rschema.StringAttribute{
					Required:    true,
					Description: "Id of a completed file in the iModel's iTwin Storage (for example `itwin_storage_file.x.id`).",
					Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"connector_type": rschema.StringAttribute{
					Required:    true,
					Description: connectorTypeDescription(),
					Validators:  []validator.String{connectorTypeValidator()},
				},
			},
		},
	},
	sourceFileIDsDescription: "Mapping (source file) id of each file, keyed by storage_file_id. Stable while the file stays in the connection.",
	connAttributes: map[string]rschema.Attribute{
		"source_file_names": rschema.MapAttribute{
			Computed:    true,
			ElementType: types.StringType,
			Description: "The file name the server last saw for each file (`lastKnownFileName`), keyed by storage_file_id.",
		},
	},
	filesOf:    storageSourceFilesOf,
	filesValue: storageSourceFilesValue,
	checkFile: func(ctx context.Context, client *itwin.Client, diags *diag.Diagnostics, p path.Path, f itwin.SourceFile) {
		checkStorageFileExtension(ctx, client, diags, p, f.Key, f.ConnectorType)
	},
	missingFiles: func(ctx context.Context, client *itwin.Client, files []itwin.SourceFile) []string {
		var missing []string
		for _, f := range files {
			if _, err := client.GetFile(ctx, f.Key); itwin.IsNotFound(err) {
				missing = append(missing, f.Key)
			}
		}
		sort.Strings(missing)
		return missing
	},
	alreadyMappedSummary: "Source file already mapped",
	alreadyMappedDetail: "one or more of the files in source_files are already mapped to this iModel by another connection (a file can " +
		"be mapped only once per iModel). Remove them from the other connection, or manage that connection instead.",

	sourceFileDescription: "One Storage file mapped into a storage connection that is not managed in this configuration (a storage " +
		"connection needs at least one file when it is created, so connections created by Terraform list their files in " +
		"`itwin_sync_storage_connection.source_files`). Manage a connection's files either with this resource or inline, " +
		"never both: the inline list is authoritative and would remove files added here.",
	sourceFileIDDescription: "Mapping (source file) id, assigned by the server and kept when the file or connector type changes.",
	keyAttr:                 "storage_file_id",
	keyNoun:                 "Storage file id",
	sourceFileImportFormat:  "<connection_id>/<source_file_id>",
	sourceFileAttributes: map[string]rschema.Attribute{
		"storage_file_id": rschema.StringAttribute{
			Required: true,
			Description: "Id of a completed file in the iModel's iTwin Storage. A file may be mapped only once per iModel. " +
				"Changing it rewrites the mapping in place (its id stays).",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"connector_type": rschema.StringAttribute{
			Required:    true,
			Description: connectorTypeDescription() + " Changing it updates the mapping in place.",
			Validators:  []validator.String{connectorTypeValidator()},
		},
		"file_name": rschema.StringAttribute{
			Computed:    true,
			Description: "The file name the server last saw for the Storage file (`lastKnownFileName`).",
		},
	},

	runDescription: "Runs a storage connection once: starts a synchronization run when created and waits for it to complete. " +
		"A new run starts only when `connection_id` or `triggers` change, or (with `rerun_on_source_change`) when the " +
		"connection's files changed. Runs cannot be cancelled or deleted: destroying this resource only forgets the run.",
	runAttributes:     storageRunAttributes,
	runImportDefaults: map[string]any{"rerun_on_source_change": false},
	taskNames:         storageFileNames,
}

var manifestKind = &connKind{
	Kind: wire.KindManifest,
	connDescription: "A manifest connection: registers documents of an external document system (by your own stable ids) with " +
		"an iModel. Each run then posts the files with pre-authenticated download URLs (`itwin_sync_manifest_connection_run`). " +
		"`source_files` is authoritative. Manage a connection's files either here or with " +
		"`itwin_sync_manifest_connection_source_file`, not both.",
	sourceFilesAttribute: rschema.SetAttribute{
		Required:    true,
		ElementType: types.StringType,
		Description: "The ids of the documents in your external system that this connection registers (1 to 250), for " +
			"example `[\"dms-0001\", \"dms-0003\"]`. They are not Storage ids. An id may be registered once per iModel.",
		Validators: []validator.Set{
			setvalidator.SizeAtLeast(1), setvalidator.SizeAtMost(250),
			setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
		},
	},
	sourceFileIDsDescription: "Mapping (source file) id of each registered document, keyed by its external id. Stable while the document stays registered.",
	filesOf:                  manifestSourceFilesOf,
	filesValue:               manifestSourceFilesValue,
	alreadyMappedSummary:     "Source file already registered",
	alreadyMappedDetail: "one or more of the ids in source_files are already registered on this iModel by another connection (an id " +
		"can be registered only once per iModel).",

	sourceFileDescription: "One external document registered on a manifest connection that is not managed in this configuration (a " +
		"connection created by Terraform lists its documents in `itwin_sync_manifest_connection.source_files`). Manage a " +
		"connection's documents either with this resource or inline, never both: the inline list is authoritative.",
	sourceFileIDDescription: "Mapping (source file) id, assigned by the server and kept when source_file_id changes.",
	keyAttr:                 "source_file_id",
	keyNoun:                 "external document id",
	sourceFileImportFormat:  "<connection_id>/<id>",
	sourceFileAttributes: map[string]rschema.Attribute{
		"source_file_id": rschema.StringAttribute{
			Required: true,
			Description: "Your own stable id of the document in the external system (not a Storage id). An id may be " +
				"registered once per iModel. Changing it rewrites the mapping in place (its id stays).",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		},
	},

	runDescription: "Runs a manifest connection once with the given files: starts a synchronization run when created and waits for it to " +
		"complete. File URLs are pre-authenticated, so they are write-only and cannot be compared between plans: a new run starts only " +
		"when `connection_id` or `triggers` change (key `triggers` on the files' versions or hashes). Changing the file list alone does not " +
		"start a run. Runs cannot be cancelled or deleted: destroying this resource only forgets the run.",
	runAttributes: manifestRunAttributes,
	validateRun:   validateManifestRunConfig,
}

// connectionIDAttribute is the required connection_id of the resources that live under a connection; changing it
// replaces them.
func connectionIDAttribute(description string) rschema.StringAttribute {
	return rschema.StringAttribute{
		Required:      true,
		Description:   description,
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
	}
}

// serverIDAttribute is a computed id assigned by the server and kept for the life of the object.
func serverIDAttribute(description string) rschema.StringAttribute {
	return rschema.StringAttribute{
		Computed:      true,
		Description:   description,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}
