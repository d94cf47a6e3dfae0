// Placeholder until the operator console lands.
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<p>Batch Desk</p>);
