package filter

import (
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// Days are calendar days held as midnight UTC of the day.

// today is the calendar day now is in, in the time zone.
func today(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func addDays(day time.Time, n int) time.Time { return day.AddDate(0, 0, n) }

// addMonths moves a day by months, keeping the day of the month or, when
// the target month is shorter, taking its last day: March 31 less one month
// is February 28 (or 29).
func addMonths(day time.Time, n int) time.Time {
	y, m, d := day.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, time.UTC)
}

// The days a computed day is kept within, so that the instants around it
// stay within years 1 to 9999 in every time zone.
var (
	firstDay = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	lastDay  = time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC)
)

func clampDay(day time.Time) time.Time {
	switch {
	case day.Before(firstDay):
		return firstDay
	case day.After(lastDay):
		return lastDay
	}
	return day
}

// dayOf returns the day a DateOperand names, counted from today.
func dayOf(d *tablev1.DateOperand, today time.Time) time.Time {
	var day time.Time
	switch d.GetRelative() {
	case tablev1.RelativeDate_RELATIVE_DATE_TOMORROW:
		day = addDays(today, 1)
	case tablev1.RelativeDate_RELATIVE_DATE_YESTERDAY:
		day = addDays(today, -1)
	case tablev1.RelativeDate_RELATIVE_DATE_ONE_WEEK_AGO:
		day = addDays(today, -7)
	case tablev1.RelativeDate_RELATIVE_DATE_ONE_WEEK_FROM_NOW:
		day = addDays(today, 7)
	case tablev1.RelativeDate_RELATIVE_DATE_ONE_MONTH_AGO:
		day = addMonths(today, -1)
	case tablev1.RelativeDate_RELATIVE_DATE_ONE_MONTH_FROM_NOW:
		day = addMonths(today, 1)
	case tablev1.RelativeDate_RELATIVE_DATE_EXACT_DATE:
		day, _ = parseDay(d.GetExactDate())
	case tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_AGO:
		day = addDays(today, -int(d.GetDays()))
	case tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_FROM_NOW:
		day = addDays(today, int(d.GetDays()))
	default:
		day = today
	}
	return clampDay(day)
}

// spanOf returns the first and last days of a DateRange, both included.
func spanOf(r *tablev1.DateRange, today time.Time) (time.Time, time.Time) {
	first, last := today, today
	switch r.GetPeriod() {
	case tablev1.DatePeriod_DATE_PERIOD_PAST_WEEK:
		first = addDays(today, -7)
	case tablev1.DatePeriod_DATE_PERIOD_PAST_MONTH:
		first = addMonths(today, -1)
	case tablev1.DatePeriod_DATE_PERIOD_PAST_YEAR:
		first = addMonths(today, -12)
	case tablev1.DatePeriod_DATE_PERIOD_NEXT_WEEK:
		last = addDays(today, 7)
	case tablev1.DatePeriod_DATE_PERIOD_NEXT_MONTH:
		last = addMonths(today, 1)
	case tablev1.DatePeriod_DATE_PERIOD_NEXT_YEAR:
		last = addMonths(today, 12)
	case tablev1.DatePeriod_DATE_PERIOD_PAST_N_DAYS:
		first = addDays(today, -int(r.GetDays()))
	case tablev1.DatePeriod_DATE_PERIOD_NEXT_N_DAYS:
		last = addDays(today, int(r.GetDays()))
	}
	return clampDay(first), clampDay(last)
}

// startOf returns the instant a day starts in the time zone, in UTC.
func startOf(day time.Time, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).UTC()
}
