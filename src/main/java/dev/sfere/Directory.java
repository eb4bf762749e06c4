package dev.sfere;

import java.util.List;

/**
 * The keys of the connections of every instance of the application: with {@code sfere.cluster.type=nats}, read
 * from the cluster's shared directory; otherwise the same as this instance's {@link dev.sfere.spi.ConnectionStore}.
 * Inject it to show who is connected anywhere, for example a chat's participants.
 *
 * <p>Cluster-wide answers lag a little: a key registered on another instance shows up once that instance has
 * written it (milliseconds on a local network); a key of an instance that crashed stays until the directory's max
 * age has passed. When the cluster cannot be reached, the answer holds this instance's keys only.
 */
public interface Directory {

    /**
     * The keys that match a pattern, on every instance, without repeats and in no particular order.
     *
     * @param pattern the pattern
     * @return the keys
     */
    List<ConnectionKey> keys(KeyPattern pattern);

    /**
     * How many keys match a pattern on every instance.
     *
     * @param pattern the pattern
     * @return the count
     */
    default int count(KeyPattern pattern) {
        return keys(pattern).size();
    }
}
