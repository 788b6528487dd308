package view

import (
	"strconv"

	"google.golang.org/protobuf/proto"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/schema"
)

// Settings are the settings of a view's kind: at most one of them is set.
type Settings struct {
	// Kanban configures a kanban view.
	Kanban *tablev1.KanbanSettings
	// Calendar configures a calendar view.
	Calendar *tablev1.CalendarSettings
	// Gallery configures a gallery view.
	Gallery *tablev1.GallerySettings
}

// holder returns a View carrying only the settings.
func (s Settings) holder() *tablev1.View {
	v := &tablev1.View{}
	switch {
	case s.Kanban != nil:
		v.Settings = &tablev1.View_Kanban{Kanban: s.Kanban}
	case s.Calendar != nil:
		v.Settings = &tablev1.View_Calendar{Calendar: s.Calendar}
	case s.Gallery != nil:
		v.Settings = &tablev1.View_Gallery{Gallery: s.Gallery}
	}
	return v
}

// set names the settings that are set, as request fields: "kanban", …
func (s Settings) set() []string {
	var out []string
	if s.Kanban != nil {
		out = append(out, "kanban")
	}
	if s.Calendar != nil {
		out = append(out, "calendar")
	}
	if s.Gallery != nil {
		out = append(out, "gallery")
	}
	return out
}

// settingsOf names the settings each kind takes; grids take none.
var settingsOf = map[tablev1.ViewKind]string{
	tablev1.ViewKind_VIEW_KIND_KANBAN:   "kanban",
	tablev1.ViewKind_VIEW_KIND_CALENDAR: "calendar",
	tablev1.ViewKind_VIEW_KIND_GALLERY:  "gallery",
}

// checkSettings checks settings against the view's kind and the table's
// current fields, adding violations at request paths ("kanban.group_field_id").
func checkSettings(kind tablev1.ViewKind, s Settings, fields []*schema.Field, vs *apperr.Violations) Settings {
	want := settingsOf[kind]
	for _, name := range s.set() {
		if name != want {
			if want == "" {
				vs.Add(name, "view.settings.kind", "a %s view has no settings", kindName(kind))
			} else {
				vs.Add(name, "view.settings.kind", "a %s view takes %s settings, not %s settings", kindName(kind), want, name)
			}
		}
	}
	byID := map[string]*schema.Field{}
	for _, f := range fields {
		byID[f.ID] = f
	}
	// field checks a field id at path: it must name a field of one of the
	// types (required or not).
	field := func(path, id string, required bool, what string, kinds ...tablev1.FieldType) {
		if id == "" {
			if required {
				vs.Add(path, "view.settings.field.required", "is required: %s", what)
			}
			return
		}
		f := byID[id]
		if f == nil {
			vs.Add(path, "view.settings.field.exists", "no field %s in the table", strconv.Quote(id))
			return
		}
		for _, k := range kinds {
			if f.Kind() == k {
				return
			}
		}
		vs.Add(path, "view.settings.field.type", "must be %s; %s is a %s field", what, strconv.Quote(f.Name), typeName(f.Kind()))
	}
	out := Settings{}
	switch kind {
	case tablev1.ViewKind_VIEW_KIND_KANBAN:
		if s.Kanban == nil {
			vs.Add("kanban", "view.settings.required", "a kanban view needs kanban settings: group_field_id, a single select field whose choices make the stacks")
			return out
		}
		field("kanban.group_field_id", s.Kanban.GetGroupFieldId(), true, "a single select field",
			tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT)
		out.Kanban = proto.Clone(s.Kanban).(*tablev1.KanbanSettings)
	case tablev1.ViewKind_VIEW_KIND_CALENDAR:
		if s.Calendar == nil {
			vs.Add("calendar", "view.settings.required", "a calendar view needs calendar settings: date_field_id, a date or date-time field")
			return out
		}
		dates := []tablev1.FieldType{tablev1.FieldType_FIELD_TYPE_DATE, tablev1.FieldType_FIELD_TYPE_DATE_TIME}
		field("calendar.date_field_id", s.Calendar.GetDateFieldId(), true, "a date or date-time field", dates...)
		field("calendar.end_date_field_id", s.Calendar.GetEndDateFieldId(), false, "a date or date-time field", dates...)
		if end := s.Calendar.GetEndDateFieldId(); end != "" && end == s.Calendar.GetDateFieldId() {
			vs.Add("calendar.end_date_field_id", "view.settings.end_date", "must differ from date_field_id (leave it empty for one-day records)")
		}
		out.Calendar = proto.Clone(s.Calendar).(*tablev1.CalendarSettings)
	case tablev1.ViewKind_VIEW_KIND_GALLERY:
		if s.Gallery == nil {
			return out
		}
		field("gallery.cover_field_id", s.Gallery.GetCoverFieldId(), false, "an attachment field",
			tablev1.FieldType_FIELD_TYPE_ATTACHMENT)
		out.Gallery = proto.Clone(s.Gallery).(*tablev1.GallerySettings)
	}
	return out
}

// resolveSettings returns stored settings as they apply to the table's
// current fields: a field id that no longer names a field of a fitting
// type is left empty and reported stale.
func resolveSettings(kind tablev1.ViewKind, s Settings, fields []*schema.Field, stale func(string)) Settings {
	byID := map[string]*schema.Field{}
	for _, f := range fields {
		byID[f.ID] = f
	}
	keep := func(id string, kinds ...tablev1.FieldType) string {
		if id == "" {
			return ""
		}
		if f := byID[id]; f != nil {
			for _, k := range kinds {
				if f.Kind() == k {
					return id
				}
			}
		}
		stale(id)
		return ""
	}
	dates := []tablev1.FieldType{tablev1.FieldType_FIELD_TYPE_DATE, tablev1.FieldType_FIELD_TYPE_DATE_TIME}
	switch kind {
	case tablev1.ViewKind_VIEW_KIND_KANBAN:
		return Settings{Kanban: &tablev1.KanbanSettings{
			GroupFieldId: keep(s.Kanban.GetGroupFieldId(), tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT),
		}}
	case tablev1.ViewKind_VIEW_KIND_CALENDAR:
		return Settings{Calendar: &tablev1.CalendarSettings{
			DateFieldId:    keep(s.Calendar.GetDateFieldId(), dates...),
			EndDateFieldId: keep(s.Calendar.GetEndDateFieldId(), dates...),
		}}
	case tablev1.ViewKind_VIEW_KIND_GALLERY:
		if s.Gallery == nil {
			return Settings{}
		}
		return Settings{Gallery: &tablev1.GallerySettings{
			CoverFieldId: keep(s.Gallery.GetCoverFieldId(), tablev1.FieldType_FIELD_TYPE_ATTACHMENT),
		}}
	}
	return Settings{}
}
