import { createRouter, createWebHashHistory, type Router } from 'vue-router';
import JobsView from './views/JobsView.vue';

/**
 * Hash history: the app loads from `/` of the headless host and from the
 * desktop app's own protocol alike, and the server never sees the route.
 * The grid is in the first bundle; the other screens load when first opened.
 */
export function makeRouter(): Router {
  return createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', name: 'jobs', component: JobsView },
      { path: '/jobs/:id', name: 'job', component: () => import('./views/JobDetailView.vue'), props: true },
      {
        path: '/runs/:id',
        name: 'run',
        component: () => import('./views/RunDetailView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
      },
      { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
      { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
    ],
    scrollBehavior: () => ({ top: 0 }),
  });
}
