// Where the package's own files are. Both the sources (gateway/) and the build (dist/firstlight.js)
// sit one level below the package root, so this is the one module that may read import.meta.url.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed firstlight package (the repository, or where npm put the packed tarball). */
export const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));

/** A file or directory of the package, by its path from the package root ("devices/"). */
export function packagePath(path: string): string {
  return join(PACKAGE_DIR, path);
}
