package filter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/schema"
)

// Limits of filters and sorts.
const (
	// MaxDepth is how deep a filter tree nests: a lone condition is one
	// level, each and, or and not adds one.
	MaxDepth = 8
	// MaxConditions is the most conditions a filter tree holds.
	MaxConditions = 200
	// MaxGroupFilters is the most filters of one and or or group.
	MaxGroupFilters = 100
	// MaxListValues is the most values of a list operand (IS_ANY_OF, …).
	MaxListValues = 100
	// MaxTextLength is the most characters of a text operand.
	MaxTextLength = 10_000
	// MaxSorts is the most sorts of a list or view.
	MaxSorts = 20
)

// Reasons of the errors this package returns.
const (
	// ReasonInvalidFilter is the reason of a filter that is refused.
	ReasonInvalidFilter = "INVALID_FILTER"
	// ReasonInvalidSort is the reason of sorts that are refused.
	ReasonInvalidSort = "INVALID_SORT"
)

// Tree is a checked filter: its fields resolved to the table's fields and
// its operands normalised. The nil *Tree keeps every record.
type Tree struct {
	root *node
}

type nodeKind int

const (
	nodeAnd nodeKind = iota + 1
	nodeOr
	nodeNot
	nodeCondition
)

type node struct {
	kind nodeKind
	// children are the filters of an and or or, or the one filter of a not.
	children []*node
	cond     *Condition
}

// Condition is a checked condition.
type Condition struct {
	// Field is the field the condition is about.
	Field *schema.Field
	// Operator is the operator as given.
	Operator tablev1.Operator

	// texts holds a text, choice id or user id operand (one, or the list).
	texts  []string
	number float64
	flag   bool
	date   *tablev1.DateOperand
	period *tablev1.DateRange
	// zone is the time zone as given (""), loc the one in effect.
	zone string
	loc  *time.Location
}

// Conditions returns the conditions of the tree, in order.
func (t *Tree) Conditions() []*Condition {
	if t == nil {
		return nil
	}
	var out []*Condition
	var walk func(n *node)
	walk = func(n *node) {
		if n.cond != nil {
			out = append(out, n.cond)
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(t.root)
	return out
}

// Proto returns the tree as the contract's Filter, naming fields by id and
// select choices by id: the form to store. nil for the nil tree.
func (t *Tree) Proto() *tablev1.Filter {
	if t == nil || t.root == nil {
		return nil
	}
	return t.root.proto()
}

func (n *node) proto() *tablev1.Filter {
	switch n.kind {
	case nodeAnd, nodeOr:
		g := &tablev1.FilterGroup{}
		for _, c := range n.children {
			g.Filters = append(g.Filters, c.proto())
		}
		if n.kind == nodeAnd {
			return &tablev1.Filter{Node: &tablev1.Filter_And{And: g}}
		}
		return &tablev1.Filter{Node: &tablev1.Filter_Or{Or: g}}
	case nodeNot:
		return &tablev1.Filter{Node: &tablev1.Filter_Not{Not: n.children[0].proto()}}
	default:
		return &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: n.cond.proto()}}
	}
}

func (c *Condition) proto() *tablev1.Condition {
	out := &tablev1.Condition{Field: c.Field.ID, Operator: c.Operator, TimeZone: c.zone}
	kind := c.Field.Kind()
	switch operandOf(kind, c.Operator) {
	case oneValue:
		var v *structpb.Value
		switch familyOf(kind) {
		case familyNumber:
			v = structpb.NewNumberValue(c.number)
		case familyCheckbox:
			v = structpb.NewBoolValue(c.flag)
		default:
			v = structpb.NewStringValue(c.texts[0])
		}
		out.Operand = &tablev1.Condition_Value{Value: v}
	case listValue:
		items := make([]*structpb.Value, len(c.texts))
		for i, s := range c.texts {
			items[i] = structpb.NewStringValue(s)
		}
		out.Operand = &tablev1.Condition_Value{Value: structpb.NewListValue(&structpb.ListValue{Values: items})}
	case dateOperand:
		out.Operand = &tablev1.Condition_Date{Date: proto.Clone(c.date).(*tablev1.DateOperand)}
	case rangeOperand:
		out.Operand = &tablev1.Condition_DateRange{DateRange: proto.Clone(c.period).(*tablev1.DateRange)}
	}
	return out
}

// Validate checks a filter against a table's fields and returns it
// resolved: fields named by id or by name (ignoring case), each operator
// fitting its field's type (see Operators), operands checked and
// normalised by the field's type (select choices by name or id become
// choice ids). A nil filter gives the nil tree. Errors are one
// *apperr.Error of kind InvalidArgument, reason ReasonInvalidFilter, with a
// violation for each problem found, at paths into a request field named
// "filter", such as "filter.and.filters[2].condition.operator".
func Validate(f *tablev1.Filter, fields []*schema.Field) (*Tree, error) {
	if f == nil {
		return nil, nil
	}
	c := newChecker(fields, false)
	root := c.node(f, "filter", 1)
	if c.conditions > MaxConditions {
		c.add("filter", "filter.conditions.max", "holds %d conditions; a filter holds at most %d", c.conditions, MaxConditions)
	}
	if err := c.err(ReasonInvalidFilter); err != nil {
		return nil, err
	}
	return &Tree{root: root}, nil
}

// Prune resolves a stored filter against a table's current fields, keeping
// what still applies: a condition whose field was deleted, whose operator
// no longer fits the field's type or whose operand the field no longer
// reads (a deleted choice, say) is left out, as are groups left empty and
// a not whose filter was left out. It returns the tree that applies (nil
// when nothing does) and the ids of the fields of the conditions left out,
// each once.
func Prune(f *tablev1.Filter, fields []*schema.Field) (*Tree, []string) {
	if f == nil {
		return nil, nil
	}
	c := newChecker(fields, true)
	root := c.node(f, "filter", 1)
	if root == nil {
		return nil, c.stale
	}
	return &Tree{root: root}, c.stale
}

// checker walks a filter, collecting violations (strict) or leaving out
// what does not apply (lenient).
type checker struct {
	byID       map[string]*schema.Field
	byName     map[string]*schema.Field
	lenient    bool
	violations apperr.Violations
	stale      []string
	conditions int
}

func newChecker(fields []*schema.Field, lenient bool) *checker {
	c := &checker{byID: map[string]*schema.Field{}, byName: map[string]*schema.Field{}, lenient: lenient}
	for _, f := range fields {
		c.byID[f.ID] = f
		c.byName[nameKey(f.Name)] = f
	}
	return c
}

func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// field finds a field by id, else by name ignoring case.
func (c *checker) field(ref string) *schema.Field {
	if f, ok := c.byID[strings.TrimSpace(ref)]; ok {
		return f
	}
	return c.byName[nameKey(ref)]
}

func (c *checker) add(path, rule, format string, args ...any) {
	c.violations.Add(path, rule, format, args...)
}

func (c *checker) markStale(id string) {
	for _, s := range c.stale {
		if s == id {
			return
		}
	}
	c.stale = append(c.stale, id)
}

func (c *checker) err(reason string) error {
	return c.violations.Err(reason)
}

// node checks one filter node at path, depth levels deep. It returns nil
// for a node that is refused or, leniently, left out.
func (c *checker) node(f *tablev1.Filter, path string, depth int) *node {
	if depth > MaxDepth && !c.lenient {
		c.add(path, "filter.depth", "nests too deep: a filter nests at most %d levels", MaxDepth)
		return nil
	}
	switch n := f.GetNode().(type) {
	case *tablev1.Filter_And:
		return c.group(nodeAnd, n.And, path+".and", depth)
	case *tablev1.Filter_Or:
		return c.group(nodeOr, n.Or, path+".or", depth)
	case *tablev1.Filter_Not:
		if n.Not == nil {
			if !c.lenient {
				c.add(path+".not", "filter.node.required", "must be a filter")
			}
			return nil
		}
		child := c.node(n.Not, path+".not", depth+1)
		if child == nil {
			return nil
		}
		return &node{kind: nodeNot, children: []*node{child}}
	case *tablev1.Filter_Condition:
		c.conditions++
		cond := c.condition(n.Condition, path+".condition")
		if cond == nil {
			return nil
		}
		return &node{kind: nodeCondition, cond: cond}
	default:
		if !c.lenient {
			c.add(path, "filter.node.required", "must set one of and, or, not and condition")
		}
		return nil
	}
}

func (c *checker) group(kind nodeKind, g *tablev1.FilterGroup, path string, depth int) *node {
	filters := g.GetFilters()
	if !c.lenient {
		switch {
		case len(filters) == 0:
			c.add(path+".filters", "filter.group.min_items", "must hold at least one filter")
			return nil
		case len(filters) > MaxGroupFilters:
			c.add(path+".filters", "filter.group.max_items", "holds %d filters; a group holds at most %d", len(filters), MaxGroupFilters)
			return nil
		}
	}
	out := &node{kind: kind}
	for i, f := range filters {
		if child := c.node(f, path+".filters["+strconv.Itoa(i)+"]", depth+1); child != nil {
			out.children = append(out.children, child)
		}
	}
	if len(out.children) == 0 {
		return nil
	}
	return out
}

// condition checks one condition at path ("….condition").
func (c *checker) condition(in *tablev1.Condition, path string) *Condition {
	before := len(c.violations)
	ref := in.GetField()
	f := c.field(ref)
	if f == nil {
		if c.lenient {
			c.markStale(ref)
		} else {
			c.add(path+".field", "filter.field.exists", "no field %s in the table (name a field by id or by name)", strconv.Quote(ref))
		}
		return nil
	}
	kind := f.Kind()
	op := in.GetOperator()
	switch {
	case op == tablev1.Operator_OPERATOR_UNSPECIFIED:
		c.add(path+".operator", "filter.operator.required", "is required")
	case !Allowed(kind, op):
		c.add(path+".operator", "filter.operator.type", "%s does not apply to the %s field %s; it takes %s",
			operatorName(op), typeName(kind), strconv.Quote(f.Name), operatorList(kind))
	}
	if len(c.violations) > before {
		return c.refuse(f)
	}
	out := &Condition{Field: f, Operator: op}
	c.operand(in, out, path)
	c.timeZone(in, out, path)
	if len(c.violations) > before {
		return c.refuse(f)
	}
	return out
}

// refuse ends a condition that did not check out: leniently, the
// violations are dropped and the field is marked stale.
func (c *checker) refuse(f *schema.Field) *Condition {
	if c.lenient {
		c.violations = nil
		c.markStale(f.ID)
	}
	return nil
}

// operatorList names the operators a type takes, for messages.
func operatorList(kind tablev1.FieldType) string {
	ops := Operators(kind)
	if len(ops) == 0 {
		return "no operators (it cannot be filtered on)"
	}
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = operatorName(op)
	}
	return strings.Join(names, ", ")
}

// operand checks and normalises what the condition compares with.
func (c *checker) operand(in *tablev1.Condition, out *Condition, path string) {
	kind := out.Field.Kind()
	op := out.Operator
	value, hasValue := in.GetOperand().(*tablev1.Condition_Value)
	if hasValue && fieldtype.IsEmpty(value.Value) {
		hasValue = false
	}
	want := operandOf(kind, op)
	switch want {
	case noOperand:
		switch {
		case hasValue:
			c.add(path+".value", "filter.value.none", "%s takes no value", operatorName(op))
		case in.GetDate() != nil:
			c.add(path+".date", "filter.value.none", "%s takes no date", operatorName(op))
		case in.GetDateRange() != nil:
			c.add(path+".date_range", "filter.value.none", "%s takes no date range", operatorName(op))
		}
	case dateOperand:
		switch {
		case hasValue:
			c.add(path+".value", "filter.value.type", "%s compares with a day: set date (such as {\"relative\": \"RELATIVE_DATE_TODAY\"}) instead", operatorName(op))
		case in.GetDateRange() != nil:
			c.add(path+".date_range", "filter.value.type", "%s compares with a day: set date instead (date_range is for WITHIN)", operatorName(op))
		case in.GetDate() == nil:
			c.add(path+".date", "filter.date.required", "%s compares with a date: set date (such as {\"relative\": \"RELATIVE_DATE_TODAY\"})", operatorName(op))
		default:
			out.date = c.dateOperand(in.GetDate(), path+".date")
		}
	case rangeOperand:
		switch {
		case hasValue:
			c.add(path+".value", "filter.value.type", "WITHIN compares with a span of days: set date_range instead")
		case in.GetDate() != nil:
			c.add(path+".date", "filter.value.type", "WITHIN compares with a span of days: set date_range instead (date is for the other date operators)")
		case in.GetDateRange() == nil:
			c.add(path+".date_range", "filter.date_range.required", "WITHIN takes a span of days: set date_range (such as {\"period\": \"DATE_PERIOD_PAST_WEEK\"})")
		default:
			out.period = c.dateRange(in.GetDateRange(), path+".date_range")
		}
	case oneValue, listValue:
		switch {
		case in.GetDate() != nil || in.GetDateRange() != nil:
			c.add(path+".value", "filter.value.type", "%s compares with a value, not a date: set value", operatorName(op))
		case !hasValue:
			c.add(path+".value", "filter.value.required", "%s needs a value", operatorName(op))
		case want == listValue:
			out.texts = c.list(out.Field, value.Value, path+".value")
		default:
			c.single(out, value.Value, path+".value")
		}
	}
}

// timeZone checks the condition's time zone and sets the one in effect.
func (c *checker) timeZone(in *tablev1.Condition, out *Condition, path string) {
	out.zone = strings.TrimSpace(in.GetTimeZone())
	isDate := operandOf(out.Field.Kind(), out.Operator) == dateOperand || operandOf(out.Field.Kind(), out.Operator) == rangeOperand
	if out.zone != "" && !isDate {
		c.add(path+".time_zone", "filter.time_zone.operator", "only the date operators take a time zone")
		return
	}
	if !isDate {
		return
	}
	if out.zone != "" {
		loc, err := loadZone(out.zone)
		if err != nil {
			c.add(path+".time_zone", "filter.time_zone", "%s is not a time zone: use an IANA name such as \"Europe/Paris\" or \"UTC\"", strconv.Quote(out.zone))
			return
		}
		out.loc = loc
		return
	}
	out.loc = time.UTC
	if out.Field.Kind() == tablev1.FieldType_FIELD_TYPE_DATE_TIME {
		_, opts := out.Field.TypeOptions()
		if loc, err := loadZone(opts.GetDateTime().GetTimeZone()); err == nil {
			out.loc = loc
		}
	}
}

// loadZone loads an IANA time zone; "" and "Local" are refused, as the
// latter depends on the server.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return time.LoadLocation(name)
}
