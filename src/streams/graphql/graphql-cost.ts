import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';

/** Items a list field is assumed to return when its size is not a literal `limit`. */
export const DEFAULT_LIST_SIZE = 100;

/**
 * The cost of an operation: every field counts one, times the sizes of the lists it sits in. A
 * list's size is its `limit` argument when that is a literal, else `defaultListSize`. Fragments are
 * counted where they are spread. Introspection fields cost one each and their lists are not
 * multiplied (GraphiQL's schema query stays cheap).
 */
export function selectionCost(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  multiplier: number,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: Set<string>,
  defaultListSize: number,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD: {
        cost += multiplier;
        if (selection.selectionSet === undefined) break;
        const name = selection.name.value;
        if (name.startsWith('__')) break;
        const field = 'getFields' in parent ? parent.getFields()[name] : undefined;
        if (field === undefined) break;
        const named = getNamedType(field.type);
        if (!isCompositeType(named)) break;
        const size = isListType(getNullableType(field.type))
          ? listSize(selection.arguments ?? [], defaultListSize)
          : 1;
        cost += selectionCost(
          context,
          selection.selectionSet,
          named,
          multiplier * size,
          fragments,
          seen,
          defaultListSize,
        );
        break;
      }
      case Kind.INLINE_FRAGMENT: {
        const condition = selection.typeCondition;
        const type = condition === undefined ? parent : context.getSchema().getType(condition.name.value);
        if (type !== undefined && type !== null && isCompositeType(type)) {
          cost += selectionCost(
            context,
            selection.selectionSet,
            type,
            multiplier,
            fragments,
            seen,
            defaultListSize,
          );
        }
        break;
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment === undefined || seen.has(name)) break;
        const type = context.getSchema().getType(fragment.typeCondition.name.value);
        if (type === undefined || type === null || !isCompositeType(type)) break;
        seen.add(name);
        cost += selectionCost(
          context,
          fragment.selectionSet,
          type,
          multiplier,
          fragments,
          seen,
          defaultListSize,
        );
        seen.delete(name);
        break;
      }
    }
  }
  return cost;
}

function listSize(
  args: ReadonlyArray<{ readonly name: { readonly value: string }; readonly value: ValueNode }>,
  fallback: number,
): number {
  const limit = args.find((a) => a.name.value === 'limit')?.value;
  if (limit?.kind === Kind.INT) return Math.max(1, Number(limit.value));
  return fallback;
}

/** A validation rule refusing operations that cost more than `maxCost`. */
export function costLimitRule(
  maxCost: number,
  defaultListSize = DEFAULT_LIST_SIZE,
): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(node) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const schema = context.getSchema();
      const root = schema.getRootType(node.operation);
      if (root === null || root === undefined) return;
      const cost = selectionCost(context, node.selectionSet, root, 1, fragments, new Set(), defaultListSize);
      if (cost > maxCost) {
        context.reportError(
          new GraphQLError(
            `the operation costs ${cost}, more than the ${maxCost} allowed: ask for fewer fields or a smaller limit`,
            { nodes: node },
          ),
        );
      }
    },
  });
}
