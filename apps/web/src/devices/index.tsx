import { Route, Routes } from 'react-router';
import { DeviceDetailPage } from './DeviceDetail.tsx';
import { DeviceCreatePage, DeviceEditPage } from './DeviceForms.tsx';
import { DeviceList } from './DeviceList.tsx';

/** The devices screens (their own sub-paths under /devices); the whole area needs device.manage. */
export default function DevicesArea() {
  return (
    <Routes>
      <Route index element={<DeviceList />} />
      <Route path="new" element={<DeviceCreatePage />} />
      <Route path=":id" element={<DeviceDetailPage />} />
      <Route path=":id/edit" element={<DeviceEditPage />} />
    </Routes>
  );
}
