// The app's shared stores, wired to the real commands.
import { api } from '../api';
import { createLists } from './lists';

export const lists = createLists({
  brands: () => api.listBrands(),
  // The newest page only: a vault can hold thousands of grants, and the grants screen pages
  // through them itself (grant_page). A refresh still tells every subscriber the grants changed.
  grants: () => api.grantPage(null, null, 0, 50).then((p) => p.items),
  fields: () => api.listFields(),
});
