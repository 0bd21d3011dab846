package io.kubedsr.proxy.watch;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The objects an informer had listed when its list completed, until each has reached the model: the agent's first
 * sync waits for them. fabric8 completes an informer's start once its store holds the list, while the handler's
 * notifications of it are still on their way (fabric8 hands them to its own threads, and they hop onto the agent's
 * context); a first full sync before they arrive would remove the virtual servers of Services not recorded yet.
 * The store cannot stand in for them: an {@link InformerItemStore} holds stubs (key, resourceVersion, a label),
 * never what the planner reads, so nothing is ever taken from it into the model.
 * <p>
 * A key has arrived once the model has been told of it (in any version: a later one means its listed version came
 * first), or once the store no longer holds it (deleted since; its delete follows its add). Only the keys listed
 * are awaited, so objects created meanwhile cannot keep the start waiting.
 */
public final class ListedKeys {
    private final String what;
    private final Set<String> waiting;
    private final Predicate<String> inModel;
    private final Predicate<String> inStore;

    /**
     * {@code listed}: the store's keys when the list completed; {@code inModel}: whether the model has been told of a
     * key; {@code inStore}: whether the store still holds it.
     */
    public ListedKeys(String what, List<String> listed, Predicate<String> inModel, Predicate<String> inStore) {
        this.what = what;
        this.waiting = new HashSet<>(listed);
        this.inModel = inModel;
        this.inStore = inStore;
    }

    /** Forgets the keys that have arrived; true once none is left. On the model's thread. */
    public boolean arrived() {
        waiting.removeIf(k -> inModel.test(k) || !inStore.test(k));
        return waiting.isEmpty();
    }

    /** {@code 3 Services} still awaited (for the log). */
    @Override
    public String toString() {
        return waiting.size() + " " + what;
    }
}
