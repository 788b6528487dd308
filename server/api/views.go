package api

import (
	"context"
	"strconv"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/view"
)

type viewHandler struct {
	db    *storage.DB
	views *view.Service
}

var _ tablev1connect.ViewServiceHandler = (*viewHandler)(nil)

func viewToProto(r *view.Resolved) *tablev1.View {
	out := &tablev1.View{
		Id: r.ID, TableId: r.TableID, Name: r.Name, Kind: r.Kind,
		Filter: r.Filter.Proto(), Sorts: filter.SortsProto(r.Sorts), VisibleFieldIds: r.VisibleFieldIDs,
		StaleFieldIds: r.StaleFieldIDs,
		CreateTime:    timestamppb.New(r.CreatedAt), UpdateTime: timestamppb.New(r.UpdatedAt),
	}
	switch s := r.Settings; {
	case s.Kanban != nil:
		out.Settings = &tablev1.View_Kanban{Kanban: s.Kanban}
	case s.Calendar != nil:
		out.Settings = &tablev1.View_Calendar{Calendar: s.Calendar}
	case s.Gallery != nil:
		out.Settings = &tablev1.View_Gallery{Gallery: s.Gallery}
	}
	return out
}

// settingsFrom maps the settings oneof of a request.
func settingsFrom(kanban *tablev1.KanbanSettings, calendar *tablev1.CalendarSettings, gallery *tablev1.GallerySettings) view.Settings {
	return view.Settings{Kanban: kanban, Calendar: calendar, Gallery: gallery}
}

func (h *viewHandler) CreateView(ctx context.Context, req *connect.Request[tablev1.CreateViewRequest]) (*connect.Response[tablev1.CreateViewResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	spec := view.Spec{
		Name: m.GetName(), Kind: m.GetKind(), Filter: m.GetFilter(), Sorts: m.GetSorts(),
		VisibleFieldIDs: m.GetVisibleFieldIds(), Settings: settingsFrom(m.GetKanban(), m.GetCalendar(), m.GetGallery()),
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.CreateViewResponse, error) {
		r, err := h.views.CreateView(ctx, tx, m.GetTableId(), who.UserID, spec)
		if err != nil {
			return nil, err
		}
		return &tablev1.CreateViewResponse{View: viewToProto(r)}, nil
	})
}

func (h *viewHandler) GetView(ctx context.Context, req *connect.Request[tablev1.GetViewRequest]) (*connect.Response[tablev1.GetViewResponse], error) {
	r, err := h.views.GetView(ctx, h.db, req.Msg.GetTableId(), req.Msg.GetViewId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&tablev1.GetViewResponse{View: viewToProto(r)}), nil
}

func (h *viewHandler) ListViews(ctx context.Context, req *connect.Request[tablev1.ListViewsRequest]) (*connect.Response[tablev1.ListViewsResponse], error) {
	m := req.Msg
	page, err := h.views.ListViews(ctx, h.db, m.GetTableId(), int(m.GetPageSize()), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &tablev1.ListViewsResponse{NextPageToken: page.Next}
	for _, r := range page.Views {
		out.Views = append(out.Views, viewToProto(r))
	}
	return connect.NewResponse(out), nil
}

// viewPatch maps an UpdateViewRequest: without update_mask the parts that
// are set replace the stored ones; with it, exactly the listed parts do.
func viewPatch(m *tablev1.UpdateViewRequest) (view.Patch, error) {
	p := view.Patch{
		Filter: m.GetFilter(), Sorts: m.GetSorts(), Visible: m.GetVisibleFieldIds(),
		Settings: settingsFrom(m.GetKanban(), m.GetCalendar(), m.GetGallery()),
	}
	paths := m.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		p.Name = m.Name
		p.SetFilter = m.Filter != nil
		p.SetSorts = len(m.GetSorts()) > 0
		p.SetVisible = len(m.GetVisibleFieldIds()) > 0
		p.SetSettings = m.GetSettings() != nil
		return p, nil
	}
	for i, path := range paths {
		switch path {
		case "name":
			if m.Name == nil {
				return p, apperr.Invalid("name", "view.name.required", "update_mask lists name: set the new name")
			}
			p.Name = m.Name
		case "filter":
			p.SetFilter = true
		case "sorts":
			p.SetSorts = true
		case "visible_field_ids":
			p.SetVisible = true
		case "settings":
			p.SetSettings = true
		default:
			return p, apperr.Invalid("update_mask.paths["+strconv.Itoa(i)+"]", "view.update_mask",
				strconv.Quote(path)+" is not a part of a view to replace: name, filter, sorts, visible_field_ids or settings")
		}
	}
	return p, nil
}

func (h *viewHandler) UpdateView(ctx context.Context, req *connect.Request[tablev1.UpdateViewRequest]) (*connect.Response[tablev1.UpdateViewResponse], error) {
	m := req.Msg
	p, err := viewPatch(m)
	if err != nil {
		return nil, err
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.UpdateViewResponse, error) {
		r, err := h.views.UpdateView(ctx, tx, m.GetTableId(), m.GetViewId(), p)
		if err != nil {
			return nil, err
		}
		return &tablev1.UpdateViewResponse{View: viewToProto(r)}, nil
	})
}

func (h *viewHandler) DeleteView(ctx context.Context, req *connect.Request[tablev1.DeleteViewRequest]) (*connect.Response[tablev1.DeleteViewResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.DeleteViewResponse, error) {
		r, err := h.views.DeleteView(ctx, tx, m.GetTableId(), m.GetViewId())
		if err != nil {
			return nil, err
		}
		return &tablev1.DeleteViewResponse{View: viewToProto(r)}, nil
	})
}
