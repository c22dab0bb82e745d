// The npm package ships a UMD bundle without types; the tests use it as NetLicensing's own users do.
declare module 'netlicensing-client';
