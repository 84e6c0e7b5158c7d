// Package hostile holds the hostile-server test suite: each of the three
// facades against loopback servers that redirect elsewhere, stream without
// end, trickle, bomb, lie about results or fail to hand out tokens. The tests
// check that no credential or body leaves for another origin, that time and
// memory stay bounded, and that every item's result has the right label.
package hostile
