/**
 * The remote view of Herald's notice service, packaged only in herald.ear, for deployments on the same
 * full-profile server that cannot inject {@link dev.herald.NoticeService}.
 */
package dev.herald.remote;
