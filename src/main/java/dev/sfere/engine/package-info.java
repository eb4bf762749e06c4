/**
 * Internal: what happens to a stream, with no container in it: registration, fan-out, the per-stream queue and its
 * writer, the delivery threads, heartbeats and shutdown. The CDI adapter in {@code dev.sfere.cdi} drives it. Not
 * API; it may change in any release.
 */
package dev.sfere.engine;
