export * from './profile-store';
export { profilesFilePath, readProfilesFile, type StoredProfile, type ProfileStorage } from './profile-file';
