package dev.tollgate.governance;

/** Something the management API creates and the store keeps. Every implementation is immutable. */
public sealed interface Entity
    permits VirtualKey, User, Team, Organization, Customer, Tag, SharedBudget {

  /** What kind of entity this is; with {@link #id()} it names the entity in the store. */
  EntityKind kind();

  /** The entity's id, unique within its kind. */
  String id();
}
