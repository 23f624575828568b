export { requireRole, requireViewer } from './guards';
export { clientAddressOf, viewerOfRequest } from './http';
