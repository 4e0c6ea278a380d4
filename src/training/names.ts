/** Name-scope helpers shared by the Saver and the MetaGraph code (Python's `ops.prepend_name_scope` / `strip_name_scope`). */

/** Python's `ops.prepend_name_scope(name, import_scope)`. */
export function prependNameScope(name: string, importScope: string | undefined): string {
  if (!importScope) return name;
  const scope = importScope.endsWith('/') ? importScope.slice(0, -1) : importScope;
  const m = /^(\^|loc:@|)(.*)$/s.exec(name) as RegExpExecArray;
  return `${m[1]}${scope}/${m[2]}`;
}

/** Python's `ops.strip_name_scope(name, export_scope)`. */
export function stripNameScope(name: string, exportScope: string | undefined): string {
  if (!exportScope) return name;
  const scope = exportScope.endsWith('/') ? exportScope : `${exportScope}/`;
  const m = /^(\^|loc:@|)(.*)$/s.exec(name) as RegExpExecArray;
  const rest = m[2] as string;
  return rest.startsWith(scope) ? `${m[1]}${rest.slice(scope.length)}` : name;
}
