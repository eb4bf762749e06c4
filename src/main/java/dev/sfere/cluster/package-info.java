/**
 * Delivery across several instances of an application, and a directory of their connections, over NATS with
 * JetStream. Used only with {@code sfere.cluster.type=nats}; the NATS client ({@code io.nats:jnats}) is then needed
 * on the class path, and never loaded otherwise.
 */
package dev.sfere.cluster;
