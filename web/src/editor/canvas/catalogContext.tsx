import { createContext, useContext, type ReactNode } from 'react';
import { useNodeTypes, type NodeCatalog } from '../../catalog/nodeTypes';

/**
 * The node catalog for every card of a canvas, looked up once by the canvas rather than by each of its (maybe
 * hundreds of) cards. `undefined` means no provider: a card then looks it up itself.
 */
export const CatalogContext = createContext<NodeCatalog | null | undefined>(undefined);

/** Gives the cards under it the catalog; wrap read-only canvases (versions) in it too. */
export function StepCatalogProvider({ children }: { children: ReactNode }) {
  const catalog = useNodeTypes().data ?? null;
  return <CatalogContext.Provider value={catalog}>{children}</CatalogContext.Provider>;
}

export function useCatalogContext(): NodeCatalog | null | undefined {
  return useContext(CatalogContext);
}
