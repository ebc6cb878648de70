package provider

// List resources itwin_storage_folder and itwin_storage_file: one implementation, parameterised by the item
// type it reports. Both walk a folder (or an iTwin's Storage root) and, with recursive = true, its sub-folders.

import (
	"context"
	"fmt"
	"path"

	"github.com/hashicorp/terraform-plugin-framework-validators/listresourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ list.ListResourceWithConfigure        = &storageListResource{}
	_ list.ListResourceWithConfigValidators = &storageListResource{}
)

// storageListKind is what one storage list resource reports.
type storageListKind struct {
	typeSuffix string // "_storage_folder"
	itemType   string // wire.StorageTypeFolder
	plural     string // "folders", for descriptions
	generated  string // what configuration generated from the results looks like, for the description
	// result builds the display name and the resource object of an item, as the resource's Read would store it.
	result func(item wire.StorageItem) (displayName string, model any)
}

var (
	storageFolderListKind = storageListKind{typeSuffix: "_storage_folder", itemType: wire.StorageTypeFolder, plural: "folders",
		generated: "Configuration generated from the results names each folder's parent with `parent_folder_id`, also for " +
			"folders in the root folder (instead of `itwin_id`).",
		result: func(item wire.StorageItem) (string, any) {
			f := item.Folder()
			var m storageFolderModel
			m.fill(&f) // itwin_id stays null: parent_folder_id names the parent, even for a root folder's children
			return fmt.Sprintf("%s (storage folder)", storagePathOrName(f.Path, f.DisplayName)), &m
		}}
	storageFileListKind = storageListKind{typeSuffix: "_storage_file", itemType: wire.StorageTypeFile, plural: "files",
		generated: "In configuration generated from the results `source` is null: the local file an upload came from " +
			"cannot be read back, so Terraform manages each file's folder, name and description but not its content " +
			"until `source` is set.",
		result: func(item wire.StorageItem) (string, any) {
			f := item.File()
			m := storageFileModel{Timeouts: nullTimeouts("create", "update")}
			m.fill(&f) // source and source_hash stay null: the local file an upload came from is not known
			return fmt.Sprintf("%s (storage file, %s)", storagePathOrName(f.Path, f.DisplayName), humanBytes(f.Size)), &m
		}}
)

// NewStorageFolderListResource lists the folders in a Storage folder.
func NewStorageFolderListResource() list.ListResource {
	return &storageListResource{resourceBase{typeName: storageFolderListKind.typeSuffix}, storageFolderListKind}
}

// NewStorageFileListResource lists the files in a Storage folder.
func NewStorageFileListResource() list.ListResource {
	return &storageListResource{resourceBase{typeName: storageFileListKind.typeSuffix}, storageFileListKind}
}

type storageListResource struct {
	resourceBase
	kind storageListKind
}

type storageListConfig struct {
	FolderID  types.String `tfsdk:"folder_id"`
	ITwinID   types.String `tfsdk:"itwin_id"`
	Recursive types.Bool   `tfsdk:"recursive"`
}

func (r *storageListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		Description: fmt.Sprintf("Lists the %s in an iTwin Storage folder (or in the root folder of an iTwin's Storage), "+
			"optionally in all its sub-folders, with their identity and, with `include_resource = true`, the full resource. %s",
			r.kind.plural, r.kind.generated),
		Attributes: map[string]schema.Attribute{
			"folder_id": schema.StringAttribute{
				Optional:    true,
				Description: fmt.Sprintf("Id of the folder whose %s are listed. Exactly one of `folder_id` and `itwin_id` must be set.", r.kind.plural),
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"itwin_id": schema.StringAttribute{
				Optional:    true,
				Description: fmt.Sprintf("Id of an iTwin: its Storage root folder's %s are listed.", r.kind.plural),
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"recursive": schema.BoolAttribute{
				Optional:    true,
				Description: fmt.Sprintf("Also list the %s of every sub-folder, at any depth. Defaults to `false`.", r.kind.plural),
			},
		},
	}
}

func (r *storageListResource) ListResourceConfigValidators(_ context.Context) []list.ConfigValidator {
	return []list.ConfigValidator{
		listresourcevalidator.ExactlyOneOf(fwpath.MatchRoot("folder_id"), fwpath.MatchRoot("itwin_id")),
	}
}

func (r *storageListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg storageListConfig
	streamList(ctx, req, stream, r.client, &cfg, func(e *listEmitter) {
		start, attr, startID := cfg.FolderID.ValueString(), "folder_id", cfg.FolderID.ValueString()
		if !cfg.ITwinID.IsNull() {
			attr, startID = "itwin_id", cfg.ITwinID.ValueString()
			root, err := r.client.GetRootFolderID(ctx, startID)
			if err != nil {
				e.fail(listCallError("finding the Storage root folder of the iTwin", err, attr, "iTwin", startID, accessStorage))
				return
			}
			start = root
		}
		// Breadth first: a folder's own items, then those of its sub-folders, in the order the API lists them.
		queue := []string{start}
		for len(queue) > 0 && e.wanted() {
			folderID := queue[0]
			queue = queue[1:]
			var err error
			for item := range eachOK(r.client.EachFolderItem(ctx, folderID), &err) {
				if item.ParentFolderID == "" {
					item.ParentFolderID = folderID
				}
				if item.Type == wire.StorageTypeFolder && cfg.Recursive.ValueBool() {
					queue = append(queue, item.ID)
				}
				if item.Type != r.kind.itemType {
					continue
				}
				name, model := r.kind.result(item)
				if !e.emit(name, idIdentity{ID: types.StringValue(item.ID)}, model) {
					return
				}
			}
			if err != nil {
				doing := "listing the Storage folder " + folderID
				if folderID == start {
					e.fail(listCallError(doing, err, attr, map[string]string{"folder_id": "Storage folder", "itwin_id": "iTwin"}[attr], startID, accessStorage))
				} else {
					e.fail(listCallError(doing, err, "", "Storage folder", folderID, accessStorage))
				}
				return
			}
		}
	})
}

// storagePathOrName is how people recognise a Storage item: its path, or its name when the API sends none.
func storagePathOrName(p, name string) string {
	if p == "" {
		return name
	}
	return path.Clean("/" + p)
}

// humanBytes renders a size for a display name: "812 B", "12.3 kB", "4.0 MB" (powers of 1000, like the portal).
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
