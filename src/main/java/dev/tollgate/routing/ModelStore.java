package dev.tollgate.routing;

import java.util.List;

/**
 * Durable storage of the deployments created through the admin API, as the JSON bodies that created
 * them (unresolved: {@code os.environ/} references stay references). Implemented by the store;
 * every method blocks, so call it from a worker thread, never from an event loop.
 */
public interface ModelStore {
  /** Every stored deployment. */
  List<StoredModel> loadAll();

  /** Inserts or replaces the deployment with {@code model.id()}. */
  void upsert(StoredModel model);

  /** Removes a deployment; removing a missing id is not an error. */
  void delete(String id);

  /**
   * One stored deployment.
   *
   * @param json the admin API body: {@code model_name}, {@code litellm_params}, {@code model_info}
   * @param updatedAtMillis when it was last written, epoch milliseconds
   */
  record StoredModel(String id, String json, long updatedAtMillis) {}
}
