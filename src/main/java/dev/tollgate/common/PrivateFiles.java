package dev.tollgate.common;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The data dir holds the master key, the store and the spend journal: it is the owner's alone.
 * Directories are made {@code 0700} and files {@code 0600} whatever the umask, by creating them
 * with those permissions (so there is no moment when they are readable by others) and by
 * restricting ones that exist. SQLite gives its {@code -wal} and {@code -shm} files the permissions
 * of the database file, so creating that file first covers them too. On a file system without POSIX
 * permissions nothing is changed.
 */
public final class PrivateFiles {
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /** The attribute that creates a file readable and writable by its owner only. */
  public static FileAttribute<Set<PosixFilePermission>> fileAttribute() {
    return PosixFilePermissions.asFileAttribute(FILE);
  }

  /** Creates {@code dir} (and missing parents) as {@code 0700}, or restricts it if it exists. */
  public static void directory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      restrict(dir, DIR);
      return;
    }
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null && !Files.exists(parent)) {
      Files.createDirectories(parent);
    }
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
    } catch (UnsupportedOperationException e) {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      restrict(dir, DIR);
    }
  }

  /** Creates an empty {@code file} as {@code 0600}, or restricts it if it exists. */
  public static void file(Path file) throws IOException {
    if (Files.exists(file)) {
      restrict(file, FILE);
      return;
    }
    try {
      Files.createFile(file, fileAttribute());
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      restrict(file, FILE);
    }
  }

  private static void restrict(Path p, Set<PosixFilePermission> perms) throws IOException {
    try {
      Files.setPosixFilePermissions(p, perms);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to restrict
    }
  }
}
