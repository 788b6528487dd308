package cache

import (
	"strconv"
	"testing"
)

func TestDecoded(t *testing.T) {
	var d Decoded[int]
	if _, ok := d.Lookup("k", []byte("1")); ok {
		t.Fatal("empty Decoded answered")
	}
	d.Store("k", []byte("1"), 1)
	if v, ok := d.Lookup("k", []byte("1")); !ok || v != 1 {
		t.Fatalf("Lookup = %d, %v; want 1", v, ok)
	}
	// Another encoding under the same key (a changed value) is not answered.
	if _, ok := d.Lookup("k", []byte("2")); ok {
		t.Fatal("Lookup answered for bytes it did not decode")
	}
	d.Forget("k")
	if _, ok := d.Lookup("k", []byte("1")); ok {
		t.Fatal("Lookup answered after Forget")
	}
	// Full: it starts over rather than growing.
	for i := range maxDecoded + 1 {
		d.Store(strconv.Itoa(i), []byte("v"), i)
	}
	if n := len(d.m); n > maxDecoded {
		t.Fatalf("holds %d entries; want at most %d", n, maxDecoded)
	}
	if v, ok := d.Lookup(strconv.Itoa(maxDecoded), []byte("v")); !ok || v != maxDecoded {
		t.Fatalf("the last entry stored is not kept: %d, %v", v, ok)
	}
}
