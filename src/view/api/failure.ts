import { API_VERSION, type ApiError } from "../api-types.js";

/** A request the API refuses: 400 (bad parameters), 404 (no such run, candidate or example), 405. */
export class ApiFailure extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405,
    message: string,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export function errorBody(status: number, message: string): ApiError {
  return { apiVersion: API_VERSION, error: { status, message } };
}

export const notFound = (message: string) => new ApiFailure(404, message);
export const badRequest = (message: string) => new ApiFailure(400, message);
