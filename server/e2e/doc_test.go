// Package e2e_test tests the whole server over real HTTP: generated clients
// on every protocol, outside clients (curl, grpcurl, Node), and the access
// rules declared in the contract, on every storage and cache backend.
package e2e_test
