package dev.sfere.bench.fanout;

import dev.sfere.ConnectionKey;
import dev.sfere.KeyPattern;
import dev.sfere.spi.Connection;
import dev.sfere.spi.ConnectionStore;
import jakarta.ws.rs.sse.OutboundSseEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A prototype of a proposed library change, built on the library's public store API: a broadcast split into
 * slices sent by several threads at once (the caller takes one slice), instead of one thread writing to every
 * stream in turn. What the runtime costs per stream is then spread over the cores.
 */
final class ParallelDelivery implements AutoCloseable {

    private final ConnectionStore store;
    private final int slices;
    private final ExecutorService executor;

    ParallelDelivery(ConnectionStore store, int slices) {
        this.store = store;
        this.slices = slices;
        this.executor = Executors.newFixedThreadPool(slices - 1, task -> {
            Thread thread = new Thread(task, "parallel-delivery");
            thread.setDaemon(true);
            return thread;
        });
    }

    int broadcast(KeyPattern pattern, OutboundSseEvent event) {
        List<ConnectionKey> keys = store.keys(pattern);
        int size = keys.size();
        List<Future<Integer>> others = new ArrayList<>();
        for (int s = 1; s < slices; s++) {
            int from = size * s / slices;
            int to = size * (s + 1) / slices;
            others.add(executor.submit(() -> send(keys, from, to, event)));
        }
        int reached = send(keys, 0, size / slices, event);
        for (Future<Integer> other : others) {
            try {
                reached += other.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
        return reached;
    }

    private int send(List<ConnectionKey> keys, int from, int to, OutboundSseEvent event) {
        int reached = 0;
        for (int i = from; i < to; i++) {
            Connection connection = store.get(keys.get(i)).orElse(null);
            if (connection != null && connection.send(event)) {
                reached++;
            }
        }
        return reached;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
