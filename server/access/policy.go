package access

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
)

// Rule is the access declaration of one RPC, read from the contract.
type Rule struct {
	// Procedure is the RPC's path, such as
	// "/pyairtable.workspace.v1.WorkspaceService/GetWorkspace".
	Procedure string
	// Scope the caller needs; empty when none.
	Scope string
	// Role the caller needs in the workspace named by WorkspaceField.
	Role Role
	// WorkspaceField is the request field holding the workspace id.
	WorkspaceField protoreflect.Name
	// BaseField is the request field holding a base id.
	BaseField protoreflect.Name
	// TableField is the request field holding a table id.
	TableField protoreflect.Name
	// Admin is true when only instance administrators may call it.
	Admin bool
	// Public is true when no credentials are needed.
	Public bool
}

// RoleResolver finds a user's role in a workspace.
type RoleResolver interface {
	// MemberRole returns the user's role in the workspace, or RoleNone when
	// the user is not a member or the workspace does not exist.
	MemberRole(ctx context.Context, workspaceID, userID string) (Role, error)
}

// ObjectResolver finds where bases and tables live.
type ObjectResolver interface {
	// BaseWorkspace returns the workspace of a base, deleted or not; ok is
	// false when there is no such base.
	BaseWorkspace(ctx context.Context, baseID string) (workspaceID string, ok bool, err error)
	// TableBase returns the base and workspace of a table, deleted or not;
	// ok is false when there is no such table.
	TableBase(ctx context.Context, tableID string) (baseID, workspaceID string, ok bool, err error)
}

// Policy enforces the access declarations of a set of services.
type Policy struct {
	rules   map[string]Rule
	roles   RoleResolver
	objects ObjectResolver
}

// NewPolicy reads the access declaration of every method of the services
// (full names such as "pyairtable.user.v1.UserService"). It fails when a
// method has none, or names a workspace field its request lacks.
func NewPolicy(roles RoleResolver, objects ObjectResolver, services ...string) (*Policy, error) {
	p := &Policy{rules: map[string]Rule{}, roles: roles, objects: objects}
	for _, name := range services {
		rules, err := RulesOf(name)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			p.rules[r.Procedure] = r
		}
	}
	return p, nil
}

// RulesOf returns the access rules of every method of a service.
func RulesOf(service string) ([]Rule, error) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", service, err)
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is not a service", service)
	}
	var rules []Rule
	methods := sd.Methods()
	for i := range methods.Len() {
		m := methods.Get(i)
		procedure := "/" + string(sd.FullName()) + "/" + string(m.Name())
		opts := m.Options()
		if opts == nil || !proto.HasExtension(opts, commonv1.E_Access) {
			return nil, fmt.Errorf("%s declares no (pyairtable.common.v1.access) option", procedure)
		}
		decl, _ := proto.GetExtension(opts, commonv1.E_Access).(*commonv1.Access)
		r := Rule{
			Procedure:      procedure,
			Scope:          decl.GetScope(),
			Role:           Role(decl.GetRole()),
			WorkspaceField: protoreflect.Name(decl.GetWorkspaceField()),
			BaseField:      protoreflect.Name(decl.GetBaseField()),
			TableField:     protoreflect.Name(decl.GetTableField()),
			Admin:          decl.GetAdmin(),
			Public:         decl.GetPublic(),
		}
		named := 0
		for _, field := range []protoreflect.Name{r.WorkspaceField, r.BaseField, r.TableField} {
			if field == "" {
				continue
			}
			named++
			f := m.Input().Fields().ByName(field)
			if f == nil || f.Kind() != protoreflect.StringKind {
				return nil, fmt.Errorf("%s: %q is not a string field of %s", procedure, field, m.Input().FullName())
			}
		}
		if named > 1 {
			return nil, fmt.Errorf("%s: name one of workspace_field, base_field and table_field", procedure)
		}
		if (named == 1) != (r.Role != RoleNone) {
			return nil, fmt.Errorf("%s: a role goes with a workspace, base or table field", procedure)
		}
		if r.Scope != "" && !knownScope(r.Scope) {
			return nil, fmt.Errorf("%s: unknown scope %q", procedure, r.Scope)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func knownScope(s string) bool {
	for _, k := range AllScopes {
		if k == s {
			return true
		}
	}
	return false
}

// Rule returns the declaration of a procedure.
func (p *Policy) Rule(procedure string) (Rule, bool) {
	r, ok := p.rules[procedure]
	return r, ok
}

type roleKey struct{}

// RoleFromContext returns the caller's role in the workspace the call is
// about, as the policy found it.
func RoleFromContext(ctx context.Context) Role {
	r, _ := ctx.Value(roleKey{}).(Role)
	return r
}

// Admit checks what a call needs before its request is read: credentials,
// the scope and administrator rights. Errors: Unauthenticated without a
// caller; PermissionDenied for a missing scope or administrator right.
func (p *Policy) Admit(ctx context.Context, procedure string) error {
	rule, ok := p.rules[procedure]
	if !ok {
		// Unreachable for mounted services: NewPolicy read them all.
		return apperr.New(apperr.Internal, "INTERNAL", "no access rule for %s", procedure)
	}
	if rule.Public {
		return nil
	}
	who, ok := FromContext(ctx)
	if !ok {
		return apperr.New(apperr.Unauthenticated, "UNAUTHENTICATED",
			"this call needs credentials: send \"Authorization: Bearer <token>\"")
	}
	if rule.Scope != "" && !who.HasScope(rule.Scope) {
		return apperr.New(apperr.PermissionDenied, "MISSING_SCOPE",
			"the token lacks the %q scope this call needs; create a token with it", rule.Scope).With("scope", rule.Scope)
	}
	if rule.Admin && !who.Admin {
		return apperr.New(apperr.PermissionDenied, "ADMIN_REQUIRED", "only an instance administrator may do this")
	}
	return nil
}

// Authorize checks the workspace a call is about, after Admit and request
// validation, and returns a context carrying the caller's role there.
// Errors: NotFound for a workspace the caller may not reach (not a member,
// or outside the token's workspaces); PermissionDenied for a role too low.
func (p *Policy) Authorize(ctx context.Context, procedure string, req any) (context.Context, error) {
	rule, ok := p.rules[procedure]
	if !ok || (rule.WorkspaceField == "" && rule.BaseField == "" && rule.TableField == "") {
		return ctx, nil
	}
	who, ok := FromContext(ctx)
	if !ok {
		return ctx, apperr.New(apperr.Unauthenticated, "UNAUTHENTICATED", "this call needs credentials")
	}
	msg, ok := req.(proto.Message)
	if !ok {
		return ctx, apperr.New(apperr.Internal, "INTERNAL", "request of %s is not a message", procedure)
	}
	get := func(name protoreflect.Name) string {
		return msg.ProtoReflect().Get(msg.ProtoReflect().Descriptor().Fields().ByName(name)).String()
	}
	var wsID, baseID string
	var notFound error
	switch {
	case rule.WorkspaceField != "":
		wsID = get(rule.WorkspaceField)
		notFound = apperr.NotFoundf("workspace %q not found", wsID).With("workspace_id", wsID)
	case rule.BaseField != "":
		baseID = get(rule.BaseField)
		notFound = apperr.NotFoundf("base %q not found", baseID).With("base_id", baseID)
		ws, found, err := p.objects.BaseWorkspace(ctx, baseID)
		if err != nil {
			return ctx, apperr.Wrap(err, "find base")
		}
		if !found {
			return ctx, notFound
		}
		wsID = ws
	default:
		tableID := get(rule.TableField)
		notFound = apperr.NotFoundf("table %q not found", tableID).With("table_id", tableID)
		b, ws, found, err := p.objects.TableBase(ctx, tableID)
		if err != nil {
			return ctx, apperr.Wrap(err, "find table")
		}
		if !found {
			return ctx, notFound
		}
		baseID, wsID = b, ws
	}
	if !who.ReachesWorkspace(wsID) || (baseID != "" && !who.ReachesBase(baseID)) {
		return ctx, notFound
	}
	if baseID == "" && len(who.BaseIDs) > 0 {
		// A token limited to bases reads the workspaces holding them, and
		// changes no workspace as a whole.
		reach, err := p.BaseReach(ctx, who)
		if err != nil {
			return ctx, err
		}
		if !slices.Contains(reach, wsID) {
			return ctx, notFound
		}
		if rule.Scope == ScopeWorkspacesWrite || rule.Scope == ScopeSchemaWrite {
			return ctx, apperr.New(apperr.PermissionDenied, "TOKEN_RESTRICTED",
				"a token limited to some bases cannot change a workspace or create bases; use a token without that limit")
		}
	}
	role, err := p.roles.MemberRole(ctx, wsID, who.UserID)
	if err != nil {
		return ctx, apperr.Wrap(err, "look up membership")
	}
	if role == RoleNone {
		return ctx, notFound
	}
	if !role.AtLeast(rule.Role) {
		return ctx, apperr.New(apperr.PermissionDenied, "ROLE_TOO_LOW",
			"this needs the %s role in the workspace; you are %s", rule.Role, withArticle(role)).
			With("required_role", rule.Role.String()).With("role", role.String())
	}
	return context.WithValue(ctx, roleKey{}, role), nil
}

func withArticle(r Role) string {
	s := r.String()
	if strings.ContainsAny(s[:1], "aeiou") {
		return "an " + s
	}
	return "a " + s
}

// BaseReach returns the workspaces a base-limited caller reaches: those
// holding its bases (nil when the caller is not limited to bases).
func (p *Policy) BaseReach(ctx context.Context, who *Principal) ([]string, error) {
	if len(who.BaseIDs) == 0 {
		return nil, nil
	}
	reach := []string{}
	for _, b := range who.BaseIDs {
		ws, ok, err := p.objects.BaseWorkspace(ctx, b)
		if err != nil {
			return nil, apperr.Wrap(err, "find base")
		}
		if ok && !slices.Contains(reach, ws) && who.ReachesWorkspace(ws) {
			reach = append(reach, ws)
		}
	}
	return reach, nil
}

// Restricted reports whether the caller's credentials are limited to some
// workspaces or bases.
func (p *Principal) Restricted() bool { return len(p.WorkspaceIDs) > 0 || len(p.BaseIDs) > 0 }
