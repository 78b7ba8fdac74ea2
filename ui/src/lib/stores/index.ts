// The app's shared stores, wired to the real commands.
import { api } from '../api';
import { createLists } from './lists';

export const lists = createLists({
  brands: () => api.listBrands(),
  grants: () => api.listGrants(null),
  fields: () => api.listFields(),
});
